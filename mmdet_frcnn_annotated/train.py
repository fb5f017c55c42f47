"""``python -m mmdet_frcnn_annotated.train``: see :mod:`.cli.train_command`."""
from .cli.train_command import main

if __name__ == '__main__':
    main()
