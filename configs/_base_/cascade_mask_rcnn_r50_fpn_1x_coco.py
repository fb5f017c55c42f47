# Stock Cascade Mask R-CNN R50-FPN, 1x schedule, on COCO.
_base_ = [
    'models/cascade_mask_rcnn_r50_fpn.py',
    'datasets/coco_instance.py',
    'schedules/schedule_1x.py',
    'default_runtime.py',
]
