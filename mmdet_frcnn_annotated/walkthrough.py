"""``python -m mmdet_frcnn_annotated.walkthrough``: see :mod:`.cli.walkthrough`."""
from .cli.walkthrough import main

if __name__ == '__main__':
    main()
