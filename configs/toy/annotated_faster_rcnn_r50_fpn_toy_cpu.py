# CPU-sized run of the annotated Faster R-CNN on the built-in toy shapes
# (generated under data/toy_shapes/ on first use): 256 x 320 images, two
# per batch, no pretrained weights, 4 iterations, then bbox evaluation.
_base_ = '../annotated_faster_rcnn/annotated_faster_rcnn_r50_fpn_1x_coco.py'

model = dict(
    pretrained=None,
    roi_head=dict(bbox_head=dict(num_classes=3)))

dataset_type = 'ToyShapesDataset'
data_root = 'data/toy_shapes/'
img_norm_cfg = dict(
    mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375], to_rgb=True)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='Resize', img_scale=(320, 256), keep_ratio=True),
    dict(type='RandomFlip', flip_ratio=0.5),
    dict(type='Normalize', **img_norm_cfg),
    dict(type='Pad', size_divisor=32),
    dict(type='DefaultFormatBundle'),
    dict(type='Collect', keys=['img', 'gt_bboxes', 'gt_labels']),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(
        type='MultiScaleFlipAug',
        img_scale=(320, 256),
        flip=False,
        transforms=[
            dict(type='Resize', keep_ratio=True),
            dict(type='RandomFlip'),
            dict(type='Normalize', **img_norm_cfg),
            dict(type='Pad', size_divisor=32),
            dict(type='ImageToTensor', keys=['img']),
            dict(type='Collect', keys=['img']),
        ])
]
data = dict(
    samples_per_gpu=2,
    workers_per_gpu=0,
    train=dict(
        type=dataset_type,
        ann_file=data_root + 'annotations/train.json',
        img_prefix=data_root + 'train/',
        # keep the images without shapes: they exercise empty ground truth
        filter_empty_gt=False,
        pipeline=train_pipeline),
    val=dict(
        type=dataset_type,
        ann_file=data_root + 'annotations/val.json',
        img_prefix=data_root + 'val/',
        pipeline=test_pipeline),
    test=dict(
        type=dataset_type,
        ann_file=data_root + 'annotations/val.json',
        img_prefix=data_root + 'val/',
        pipeline=test_pipeline))

optimizer = dict(lr=0.0025)
lr_config = dict(warmup_iters=4)
runner = dict(_delete_=True, type='IterBasedRunner', max_iters=4)
checkpoint_config = dict(interval=4)
evaluation = dict(interval=4, metric='bbox')
log_config = dict(interval=1)
