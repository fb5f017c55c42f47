"""Per-iteration counts for mmdet's own log, on every train step.

The numbers that make a Faster R-CNN run understandable, in the spirit of
detectron2's ``rpn/num_pos_anchors``: sampled positive and negative anchors
of the RPN, foreground and background RoIs of the RoI head, proposals kept.
They are put into the step's ``log_vars``, so the runner's ``log_buffer``
averages them and every logger hook writes them (text log, ``log.json``,
TensorBoard), and mmdet's ``analyze_logs.py plot_curve --keys`` plots them.

Glossary: P_i, Q_i sampled positive and negative anchors of image i;
Pr_i, Qr_i sampled foreground and background RoIs; K_i proposals kept. Each
logged value is the mean over the images of the step.

Only sizes are read (``Tensor.numel()``, ``shape``), which live on the host:
counting never synchronises with the device.
"""
import contextlib

_ACTIVE = []

# what is counted -> the key it is logged under
KEYS = {
    ('rpn', 'pos'): 'rpn/num_pos_anchors',
    ('rpn', 'neg'): 'rpn/num_neg_anchors',
    ('roi', 'pos'): 'roi_head/num_fg_samples',
    ('roi', 'neg'): 'roi_head/num_bg_samples',
    ('rpn', 'proposals'): 'rpn/num_proposals',
}


def get_counts():
    """The active :class:`StepCounts`, or ``None``."""
    return _ACTIVE[-1] if _ACTIVE else None


@contextlib.contextmanager
def counting(counts):
    """Make ``counts`` active for the block; ``None`` counts nothing."""
    if counts is None:
        yield None
        return
    _ACTIVE.append(counts)
    try:
        yield counts
    finally:
        _ACTIVE.remove(counts)


class StepCounts:
    """Sums and image counts of one train step."""

    def __init__(self):
        self._sums = {}
        self._images = {}

    def add(self, head, what, value):
        """One image's ``value`` of ``what`` (``'pos'``, ``'neg'``,
        ``'proposals'``) in ``head`` (``'rpn'`` or ``'roi'``)."""
        key = KEYS[head, what]
        self._sums[key] = self._sums.get(key, 0) + int(value)
        self._images[key] = self._images.get(key, 0) + 1

    def sampled(self, head, sampling_result):
        self.add(head, 'pos', sampling_result.pos_inds.numel())
        self.add(head, 'neg', sampling_result.neg_inds.numel())

    def as_log_vars(self):
        """``{key: mean per image}`` in the order of :data:`KEYS`."""
        return {
            key: self._sums[key] / self._images[key]
            for key in KEYS.values() if self._images.get(key)
        }
