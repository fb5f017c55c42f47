"""``python -m mmdet_frcnn_annotated.walkthrough``: see
:mod:`.cli.walkthrough_command`."""
from .cli.walkthrough_command import main

if __name__ == '__main__':
    main()
