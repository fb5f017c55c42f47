"""Values of the learner's config, read off the running model.

The stage notes quote them (:data:`~..knowledge.stages.CONFIG_FACTS` names
which and where); the line capture reads the facts of each watched
function the same way from its frame.
"""
import torch

MISSING = object()


# nn.Sequential: a list of necks (Libra R-CNN's FPN then BFP) is built as one
_SEQUENCES = (list, tuple, torch.nn.ModuleList, torch.nn.Sequential)


def fact_at(root, path):
    """Value at a dotted ``path`` under ``root`` (a dict of names or an
    object), through attributes, dict keys and list indices (``-1`` the
    last); ``*`` maps the rest of the path over a list (a cascade's
    stages: ``train_cfg.rcnn.*.assigner.pos_iou_thr``). ``MISSING`` when
    some part is not there. ``__class__.__name__`` names a type."""
    head, *rest = path.split('.')
    value = root.get(head, MISSING) if isinstance(root, dict) else getattr(
        root, head, MISSING)
    return _follow(value, rest)


def _follow(value, parts):
    for index, part in enumerate(parts):
        if value is MISSING or value is None:
            return MISSING
        if part == '*':
            if not isinstance(value, _SEQUENCES):
                return MISSING
            items = [_follow(item, parts[index + 1:]) for item in value]
            return MISSING if any(i is MISSING for i in items) else items
        if isinstance(value, dict):
            value = value.get(part, MISSING)
        elif isinstance(value, _SEQUENCES) and part.lstrip('-').isdigit():
            at = int(part)
            value = value[at] if -len(value) <= at < len(value) else MISSING
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
    """``{name: value}`` of each ``name: path`` found on ``detector``; a
    path may list ``|``-separated alternatives, the first found counts."""
    found = {}
    for name, alternatives in paths.items():
        for path in alternatives.split('|'):
            value = fact_at(detector, path)
            if value is not MISSING:
                found[name] = plain(value)
                break
    return found
