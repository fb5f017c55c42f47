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
    (``texts/glossary.<lang>.md`` explains every symbol the annotated
    models bind.)

A symbolic dimension is an arithmetic expression over these names, such as
``'h_3*w_3*A'`` or ``'min(h_2*w_2*A, 2000)'``. Expressions are evaluated with
no builtins but ``min``, ``max``, ``ceil`` and ``floor``.
"""
import math
import re

from . import texts

# A symbol of a cascade's stage s: its letters, s, and the image if any.
_CASCADE_SYMBOL = re.compile(r'^([A-Za-z]+?)(\d+)(?:_(\d+))?$')


def meaning(symbol, language='en'):
    """Glossary entry of a bound symbol such as ``h_3`` or ``Pr_0``, from
    ``texts/glossary.<language>.md``; '' for a symbol it does not know."""
    if texts.text(language, f'symbol:{symbol}'):
        return texts.text(language, f'symbol:{symbol}')
    staged = _CASCADE_SYMBOL.match(symbol)
    if staged:  # a cascade's stage: Pr1_0, K2_1, R0, Rm1
        base, stage, index = staged.groups()
        if index is None:
            return texts.text(language, f'symbol:{base}s', s=stage)
        return texts.text(language, f'symbol:{base}s_i', s=stage, i=index)
    family, _, index = symbol.rpartition('_')
    if family in ('h', 'w'):
        return texts.text(language, f'symbol:{family}_l', l=index)
    return texts.text(language, f'symbol:{family}_i', i=index)


def glossary_keys():
    """The symbol families the glossary explains (``N``, ``h_l``, ``G_i``)."""
    return sorted(key[len('symbol:'):] for key in texts.texts('en')
                  if key.startswith('symbol:'))


_ALLOWED = {'min': min, 'max': max, 'ceil': math.ceil, 'floor': math.floor,
            '__builtins__': {}}


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
