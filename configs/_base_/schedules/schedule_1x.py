# The "1x" schedule: 12 epochs, SGD at lr 0.02 for 16 images per iteration
# (8 GPUs x 2), divided by 10 after epochs 8 and 11, linear warm-up first.
optimizer = dict(type='SGD', lr=0.02, momentum=0.9, weight_decay=0.0001)
optimizer_config = dict(grad_clip=None)
lr_config = dict(
    policy='step',
    warmup='linear',
    warmup_iters=500,
    warmup_ratio=0.001,
    step=[8, 11])
runner = dict(type='EpochBasedRunner', max_epochs=12)
