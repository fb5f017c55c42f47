"""``python -m mmdet_frcnn_annotated.report``: see :mod:`.cli.report`."""
from .cli.report import main

if __name__ == '__main__':
    main()
