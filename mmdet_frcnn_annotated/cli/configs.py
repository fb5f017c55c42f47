"""Reading an mmdet 2.11 config for the commands, and turning a stock
Faster R-CNN config into one of the annotated model."""
import os.path as osp

from mmcv import Config
from mmcv.utils import import_modules_from_strings

# The stock types of the Faster R-CNN family and their annotated ones.
ANNOTATED = {
    'FasterRCNN': 'AnnotatedFasterRCNN',
    'RPNHead': 'AnnotatedRPNHead',
    'StandardRoIHead': 'AnnotatedStandardRoIHead',
}


def read_config(path, cfg_options=None):
    """The config at ``path`` with ``--cfg-options`` merged and its
    ``custom_imports`` imported."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'config file {path} does not exist')
    cfg = Config.fromfile(path)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    if cfg.get('custom_imports'):
        import_modules_from_strings(**cfg['custom_imports'])
    return cfg


def annotated_model(model):
    """``model`` (a config dict) with the annotated detector and heads.

    Raises:
        ValueError: the config is not of a Faster R-CNN: another detector,
            or an RPN or RoI head this package does not annotate.
    """
    parts = (('model', model), ('model.rpn_head', model.get('rpn_head')),
             ('model.roi_head', model.get('roi_head')))
    for where, part in parts:
        kind = part.get('type') if part else None
        if kind in ANNOTATED.values():
            continue
        if kind not in ANNOTATED:
            raise ValueError(
                f'{where}.type is {kind!r}: the walkthrough covers the '
                f'Faster R-CNN family, whose {where} is one of '
                f'{sorted(set(ANNOTATED) | set(ANNOTATED.values()))}')
        part['type'] = ANNOTATED[kind]
    return model
