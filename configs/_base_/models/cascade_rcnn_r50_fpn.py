# Cascade R-CNN, ResNet-50 + FPN, with the hyperparameters of mmdetection
# 2.11: the Faster R-CNN backbone, neck and RPN (a smooth L1 box loss and
# up to 2000 proposals per image in training, only anchors inside the
# image trained), then three box heads in a
# row. Stage s samples its rois among the boxes stage s - 1 refined, with a
# stricter IoU (0.5, 0.6, 0.7) and finer target stds; its losses count
# 1, 0.5 and 0.25. Every head regresses one class-agnostic box per roi.
_base_ = './faster_rcnn_r50_fpn.py'

model = dict(
    type='CascadeRCNN',
    rpn_head=dict(
        loss_bbox=dict(type='SmoothL1Loss', beta=1.0 / 9.0, loss_weight=1.0)),
    roi_head=dict(
        _delete_=True,
        type='CascadeRoIHead',
        num_stages=3,
        stage_loss_weights=[1, 0.5, 0.25],
        bbox_roi_extractor=dict(
            type='SingleRoIExtractor',
            roi_layer=dict(type='RoIAlign', output_size=7, sampling_ratio=0),
            out_channels=256,
            featmap_strides=[4, 8, 16, 32]),
        # one head per stage; only the target stds differ
        bbox_head=[
            dict(
                type='Shared2FCBBoxHead',
                in_channels=256,
                fc_out_channels=1024,
                roi_feat_size=7,
                num_classes=80,
                bbox_coder=dict(
                    type='DeltaXYWHBBoxCoder',
                    target_means=[0., 0., 0., 0.],
                    target_stds=stds),
                reg_class_agnostic=True,
                loss_cls=dict(
                    type='CrossEntropyLoss', use_sigmoid=False,
                    loss_weight=1.0),
                loss_bbox=dict(type='SmoothL1Loss', beta=1.0,
                               loss_weight=1.0))
            for stds in ([0.1, 0.1, 0.2, 0.2], [0.05, 0.05, 0.1, 0.1],
                         [0.033, 0.033, 0.067, 0.067])
        ]),
    train_cfg=dict(
        # anchors crossing the image border are not trained on
        rpn=dict(allowed_border=0),
        rpn_proposal=dict(max_per_img=2000),
        # one assigner and sampler per stage; a roi is positive from the
        # stage's IoU on and negative below it
        rcnn=[
            dict(
                assigner=dict(
                    type='MaxIoUAssigner',
                    pos_iou_thr=iou,
                    neg_iou_thr=iou,
                    min_pos_iou=iou,
                    match_low_quality=False,
                    ignore_iof_thr=-1),
                sampler=dict(
                    type='RandomSampler',
                    num=512,
                    pos_fraction=0.25,
                    neg_pos_ub=-1,
                    add_gt_as_proposals=True),
                pos_weight=-1,
                debug=False) for iou in (0.5, 0.6, 0.7)
        ]))
