# Stock Cascade Mask R-CNN R50-FPN 1x on COCO, with a shape trace of its run.
# Differs from cascade_mask_rcnn_r50_fpn_1x_coco only in the model types, the
# import of the plugin, the `trace` settings of the detector and the
# ShapeTraceHook; the settings are those of the annotated Faster R-CNN.
_base_ = [
    '../_base_/cascade_mask_rcnn_r50_fpn_1x_coco.py',
]

custom_imports = dict(
    imports=['mmdet_frcnn_annotated'], allow_failed_imports=False)

model = dict(
    type='AnnotatedCascadeRCNN',
    trace=dict(
        iterations=[0],
        interval=0,
        phases=['train', 'val', 'test'],
        test_batches=[0],
        collect_stats=True,
        strict=False),
    rpn_head=dict(type='AnnotatedRPNHead'),
    roi_head=dict(type='AnnotatedCascadeRoIHead'))

custom_hooks = [
    dict(type='NumClassCheckHook'),
    dict(type='ShapeTraceHook'),
]
