# Stock Faster R-CNN R50-FPN 1x on COCO, with a shape trace of its run.
# Differs from faster_rcnn_r50_fpn_1x_coco only in the four model types,
# the import of the plugin, the `trace` settings of the detector and the
# ShapeTraceHook after mmdet's NumClassCheckHook.
_base_ = '../_base_/faster_rcnn_r50_fpn_1x_coco.py'

custom_imports = dict(
    imports=['mmdet_frcnn_annotated'], allow_failed_imports=False)

model = dict(
    type='AnnotatedFasterRCNN',
    # One place for tracing settings: tools/train.py (through the hook) and
    # tools/test.py (no hooks run there) both honour them.
    trace=dict(
        iterations=[0],
        interval=0,
        phases=['train', 'val', 'test'],
        test_batches=[0],
        collect_stats=True,
        strict=False),
    rpn_head=dict(type='AnnotatedRPNHead'),
    roi_head=dict(type='AnnotatedStandardRoIHead'))

custom_hooks = [
    dict(type='NumClassCheckHook'),
    dict(type='ShapeTraceHook'),
]
