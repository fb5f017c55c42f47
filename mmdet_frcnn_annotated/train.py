"""``python -m mmdet_frcnn_annotated.train``: see :mod:`.cli.train`."""
from .cli.train import main

if __name__ == '__main__':
    main()
