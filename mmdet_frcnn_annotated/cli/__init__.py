"""The package's command-line entry points, one module each.

``python -m mmdet_frcnn_annotated.<name>`` runs ``cli/<name>_command.py``
(the three files ``train.py``, ``report.py`` and ``walkthrough.py`` beside
``cli/`` only make ``python -m`` find them):

- ``train``: train from an mmdet 2.11 config, as mmdetection's
  ``tools/train.py`` does (CPU included).
- ``report``: render the pages of a trace again, or ``report diff`` two
  traces.
- ``walkthrough``: one traced training step and one traced test step of
  any Faster R-CNN config, without a training run.
"""
