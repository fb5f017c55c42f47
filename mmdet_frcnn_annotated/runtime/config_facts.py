"""Values of the learner's config, read off the running model.

The stage notes quote them (:data:`~..knowledge.stages.CONFIG_FACTS` names
which and where); the line capture reads the facts of each watched
function the same way from its frame.
"""
import torch

MISSING = object()


def fact_at(root, path):
    """Value at a dotted ``path`` under ``root`` (a dict of names or an
    object), through attributes, dict keys and list indices; ``MISSING``
    when some part is not there. ``__class__.__name__`` names a type."""
    head, *rest = path.split('.')
    value = root.get(head, MISSING) if isinstance(root, dict) else getattr(
        root, head, MISSING)
    for part in rest:
        if value is MISSING or value is None:
            return MISSING
        if isinstance(value, dict):
            value = value.get(part, MISSING)
        elif isinstance(value, (list, tuple, torch.nn.ModuleList)) and \
                part.isdigit():
            index = int(part)
            value = value[index] if index < len(value) else MISSING
        else:
            value = getattr(value, part, MISSING)
    return value


def fact_name(spec):
    """``(name, path)`` of a fact written ``'path'`` (named by its last
    part) or ``'name=path'``; ``path`` may list ``|``-separated paths,
    the first one found gives the value."""
    name, sep, path = spec.partition('=')
    if not sep:
        path = spec
        name = spec.rsplit('.', 1)[-1]
    return name.strip(), path.strip()


def plain(value):
    """A JSON-friendly copy of a fact (thresholds, strides, cfg values)."""
    if isinstance(value, torch.Tensor):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def config_facts(detector, paths):
    """``{name: value}`` of each ``name: path`` found on ``detector``."""
    found = {}
    for name, path in paths.items():
        value = fact_at(detector, path)
        if value is not MISSING:
            found[name] = plain(value)
    return found
