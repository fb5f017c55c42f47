"""Symbols of the trace and the check of a shape against its symbolic shape.

Glossary (the same symbols the report prints):
    N        images in the batch.
    H, W     padded batch height and width.
    s_l      stride of FPN level l (l = 2..6: 4, 8, 16, 32, 64).
    h_l, w_l ceil(H / s_l), ceil(W / s_l): ResNet and FPN round up.
    A        anchors per location, len(scales) * len(ratios).
    C        object classes (background excluded).
    G_i      ground-truth boxes of image i.
    T        anchors of one image, sum over levels of h_l * w_l * A.
    P_i, Q_i sampled positives and negatives of image i.
    K_i      proposals of image i after NMS.
    R        rois of the batch.
    (GLOSSARY below lists every symbol the annotated models bind.)

A symbolic dimension is an arithmetic expression over these names, such as
``'h_3*w_3*A'`` or ``'min(h_2*w_2*A, 2000)'``. Expressions are evaluated with
no builtins but ``min``, ``max`` and ``ceil``.
"""
import math

# Meaning of each symbol family, as the report prints it; ``_i`` is an image
# index, ``_l`` an FPN level.
GLOSSARY = {
    'N': 'images in the batch',
    'H': 'padded batch height',
    'W': 'padded batch width',
    'h_l': 'ceil(H / 2^l), height of level l',
    'w_l': 'ceil(W / 2^l), width of level l',
    'A': 'anchors per location, len(scales) x len(ratios)',
    'C': 'object classes (background excluded)',
    'T': 'anchors of one image, sum over levels of h_l*w_l*A',
    'G_i': 'ground-truth boxes of image i',
    'V_i': 'anchors inside image i (RPN assigner candidates)',
    'F_i': 'RPN candidates assigned foreground',
    'B_i': 'RPN candidates assigned background',
    'P_i': 'RPN positives sampled',
    'Q_i': 'RPN negatives sampled',
    'M': 'RPN candidates per image after the per-level nms_pre',
    'M_i': 'candidates of image i left by min_bbox_size',
    'K_i': 'proposals of image i after NMS and max_per_img',
    'Fr_i': 'RoI candidates (proposals + gt) assigned foreground',
    'Br_i': 'RoI candidates assigned background',
    'Pr_i': 'RoI positives sampled',
    'Qr_i': 'RoI negatives sampled',
    'R': 'rois of the batch',
    'Oh_i': "rois scored by OHEM's hard-example forward number i (the "
            'positive or the negative candidates of one image)',
    'D_i': 'detections of image i',
}


def meaning(symbol):
    """Glossary entry of a bound symbol such as ``h_3`` or ``Pr_0``."""
    if symbol in GLOSSARY:
        return GLOSSARY[symbol]
    family, _, index = symbol.rpartition('_')
    if family in ('h', 'w'):
        side = 'H' if family == 'h' else 'W'
        what = 'height' if family == 'h' else 'width'
        return f'ceil({side} / 2^{index}), {what} of P{index}'
    text = GLOSSARY.get(f'{family}_i', '')
    return text.replace('image i', f'image {index}').replace(
        'number i', f'number {index}')


_ALLOWED = {'min': min, 'max': max, 'ceil': math.ceil, '__builtins__': {}}


class SymbolError(ValueError):
    """A symbolic dimension names an unbound symbol or does not parse."""


class SymbolTable:
    """Symbols bound from the config and the batch of one iteration."""

    def __init__(self):
        self._values = {}

    def bind(self, name, value):
        if not isinstance(value, int) or isinstance(value, bool):
            raise TypeError(f'symbol {name!r} must be bound to an int, '
                            f'got {type(value).__name__}')
        self._values[name] = value

    def get(self, name, default=None):
        return self._values.get(name, default)

    def as_dict(self):
        return dict(self._values)

    def evaluate(self, expression):
        """Value of one symbolic dimension (an int or an expression)."""
        if isinstance(expression, int):
            return expression
        try:
            value = eval(  # noqa: S307 - names restricted to the table
                compile(expression, '<symbolic shape>', 'eval'), _ALLOWED,
                dict(self._values))
        except NameError as err:
            raise SymbolError(
                f'symbolic dimension {expression!r}: {err}') from None
        except SyntaxError:
            raise SymbolError(
                f'symbolic dimension {expression!r} does not parse') from None
        return int(value)

    def expected_shape(self, symbolic):
        return [self.evaluate(dim) for dim in symbolic]


def level_of_stride(stride):
    """FPN level l of a stride 2^l (AnchorGenerator keeps (sw, sh) pairs)."""
    stride = stride[0] if isinstance(stride, (tuple, list)) else stride
    return int(round(math.log2(stride)))


def shape_text(dims):
    """A shape in Python's tuple notation: (), (4,), (2, 3)."""
    inner = ', '.join(str(d) for d in dims)
    return f'({inner},)' if len(dims) == 1 else f'({inner})'
