"""The watched functions of the heads beyond Faster R-CNN's: the mask
branch of Mask R-CNN and the stages of Cascade R-CNN (in the form of
:mod:`.watched`, which adds them to its list).

A cascade's stages call the same functions in a loop over the stages:
their facts are read once per stage and, where the stages differ, said
per stage; ``*`` in a path maps it over the stages' configs.
"""
from .watch_spec import Spec

_ROI = 'mmdet.models.roi_heads.'
_BBOX_HEAD = _ROI + 'bbox_heads.bbox_head:BBoxHead.'
_MASK_HEAD = _ROI + 'mask_heads.fcn_mask_head:FCNMaskHead.'
_MASK_HEAD_FACTS = ('self.num_convs', 'self.conv_out_channels',
                    'self.conv_kernel_size', 'self.in_channels',
                    'self.upsample_method', 'self.scale_factor',
                    'self.class_agnostic', 'self.num_classes')
_CASCADE = _ROI + 'cascade_roi_head:CascadeRoIHead.'
_STAGE_CFG = 'self.train_cfg.*.'

HEAD_WATCHED = {
    # the mask branch of Mask R-CNN
    _ROI + 'standard_roi_head:StandardRoIHead._mask_forward_train':
    Spec(facts=('self.share_roi_extractor',
                'mask_size=self.train_cfg.mask_size',
                'num_classes=self.mask_head.num_classes',
                'class_agnostic=self.mask_head.class_agnostic')),
    _ROI + 'standard_roi_head:StandardRoIHead._mask_forward':
    Spec(facts=('self.share_roi_extractor', 'self.with_shared_head',
                'roi_size=self.mask_roi_extractor.roi_layers.0.output_size.0',
                'featmap_strides=self.mask_roi_extractor.featmap_strides')),
    _MASK_HEAD + 'forward':
    Spec(facts=_MASK_HEAD_FACTS),
    _MASK_HEAD + 'get_targets':
    Spec(facts=('mask_size=rcnn_train_cfg.mask_size', )),
    _MASK_HEAD + 'loss':
    Spec(facts=_MASK_HEAD_FACTS + (
        'loss_mask=self.loss_mask.__class__.__name__',
        'loss_weight=self.loss_mask.loss_weight')),
    _MASK_HEAD + 'get_seg_masks':
    Spec(facts=('self.class_agnostic',
                'mask_thr_binary=rcnn_test_cfg.mask_thr_binary')),
    'mmdet.core.mask.mask_target:mask_target':
    Spec(facts=('mask_size=cfg.mask_size', )),
    'mmdet.core.mask.mask_target:mask_target_single':
    Spec(per='image', facts=('mask_size=cfg.mask_size', )),
    'mmdet.core.mask.structures:BitmapMasks.crop_and_resize':
    Spec(per='image'),
    # Cascade R-CNN: the functions its stages call in a loop over the stages
    # (their facts one per stage where the stages differ)
    _CASCADE + 'forward_train':
    Spec(loops={'i': 'stage', 'j': 'image'},
         facts=('self.num_stages', 'self.stage_loss_weights',
                'pos_iou_thrs=' + _STAGE_CFG + 'assigner.pos_iou_thr',
                'neg_iou_thrs=' + _STAGE_CFG + 'assigner.neg_iou_thr',
                'min_pos_ious=' + _STAGE_CFG + 'assigner.min_pos_iou',
                'sampler_nums=' + _STAGE_CFG + 'sampler.num',
                'pos_fractions=' + _STAGE_CFG + 'sampler.pos_fraction',
                'match_low_quality=' + _STAGE_CFG +
                'assigner.match_low_quality',
                'add_gt=' + _STAGE_CFG + 'sampler.add_gt_as_proposals',
                'num_classes=self.bbox_head.0.num_classes',
                'self.with_mask')),
    _CASCADE + '_bbox_forward':
    Spec(facts=('reg_class_agnostic=bbox_head.reg_class_agnostic',
                'num_classes=bbox_head.num_classes',
                'out_channels=bbox_roi_extractor.out_channels',
                'roi_size=bbox_roi_extractor.roi_layers.0.output_size.0')),
    _CASCADE + '_bbox_forward_train':
    Spec(facts=('pos_iou_thr=rcnn_train_cfg.assigner.pos_iou_thr',
                'num=rcnn_train_cfg.sampler.num',
                'pos_fraction=rcnn_train_cfg.sampler.pos_fraction')),
    _CASCADE + '_mask_forward_train':
    Spec(facts=('mask_size=rcnn_train_cfg.mask_size',
                'num_classes=self.mask_head.0.num_classes',
                'class_agnostic=self.mask_head.0.class_agnostic')),
    _CASCADE + '_mask_forward':
    Spec(facts=('self.share_roi_extractor',
                'roi_size=mask_roi_extractor.roi_layers.0.output_size.0')),
    _BBOX_HEAD + 'refine_bboxes':
    Spec(loops={'i': 'image'},
         facts=('self.reg_class_agnostic', 'stds=self.bbox_coder.stds')),
    _BBOX_HEAD + 'regress_by_class':
    Spec(facts=('self.reg_class_agnostic', 'stds=self.bbox_coder.stds')),
    _CASCADE + 'simple_test':
    Spec(loops={'i': ('stage', 'image', 'stage', 'image')},
         facts=('self.num_stages', 'self.with_mask',
                'score_thr=rcnn_test_cfg.score_thr',
                'max_per_img=rcnn_test_cfg.max_per_img',
                'nms_iou=rcnn_test_cfg.nms.iou_threshold',
                'mask_thr_binary=rcnn_test_cfg.mask_thr_binary',
                'num_classes=self.bbox_head.-1.num_classes',
                'reg_class_agnostic=self.bbox_head.-1.reg_class_agnostic')),
    'mmdet.core.post_processing.merge_augs:merge_aug_masks':
    Spec(),
    _ROI + 'test_mixins:MaskTestMixin.simple_test_mask':
    Spec(loops={'i': 'image'},
         facts=('mask_thr_binary=self.test_cfg.mask_thr_binary', )),
}
