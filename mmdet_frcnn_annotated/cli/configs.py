"""Reading an mmdet 2.11 config for the commands, and turning a stock
Faster R-CNN, Mask R-CNN or Cascade (Mask) R-CNN config into one of the
annotated model."""
import os.path as osp

from mmcv import Config
from mmcv.utils import import_modules_from_strings

# The stock types of the Faster R-CNN, Mask R-CNN and Cascade R-CNN
# families and their annotated ones.
ANNOTATED = {
    'FasterRCNN': 'AnnotatedFasterRCNN',
    'MaskRCNN': 'AnnotatedMaskRCNN',
    'CascadeRCNN': 'AnnotatedCascadeRCNN',
    'RPNHead': 'AnnotatedRPNHead',
    'StandardRoIHead': 'AnnotatedStandardRoIHead',
    'CascadeRoIHead': 'AnnotatedCascadeRoIHead',
}
# Mask heads whose branch the annotated RoI head records (their shapes are
# known); used as they are.
MASK_HEADS = ('FCNMaskHead', )


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
        ValueError: the config is not of a Faster R-CNN, a Mask R-CNN or
            a Cascade (Mask) R-CNN: another detector, an RPN or RoI head
            this package does not annotate, or a mask head whose branch it
            does not record.
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
                f'Faster R-CNN, Mask R-CNN and Cascade R-CNN families, '
                f'whose {where} is one of '
                f'{sorted(set(ANNOTATED) | set(ANNOTATED.values()))}')
        part['type'] = ANNOTATED[kind]
    mask_heads = (model.get('roi_head') or {}).get('mask_head') or []
    if not isinstance(mask_heads, list):  # a cascade may give one per stage
        mask_heads = [mask_heads]
    for mask_head in mask_heads:
        if mask_head.get('type') not in MASK_HEADS:
            raise ValueError(
                f"model.roi_head.mask_head.type is "
                f"{mask_head.get('type')!r}: the annotated RoI heads record "
                f'the mask branch of {list(MASK_HEADS)} only')
    return model
