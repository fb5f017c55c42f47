"""``python -m mmdet_frcnn_annotated.report``: see
:mod:`.cli.report_command`."""
from .cli.report_command import main

if __name__ == '__main__':
    main()
