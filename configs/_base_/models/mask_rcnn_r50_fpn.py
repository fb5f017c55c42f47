# Mask R-CNN, ResNet-50 + FPN, with the hyperparameters of mmdetection 2.11:
# the Faster R-CNN model plus a mask branch that runs on the positive RoIs
# in training and on the detections at test time:
#   rois -> 14x14 RoIAlign -> 4 convs (256) -> 2x deconv -> 28x28 mask
#   logits, one map per class (80); targets are the ground-truth masks
#   cropped to each RoI and resized to 28x28.
_base_ = './faster_rcnn_r50_fpn.py'

model = dict(
    type='MaskRCNN',
    roi_head=dict(
        mask_roi_extractor=dict(
            type='SingleRoIExtractor',
            roi_layer=dict(type='RoIAlign', output_size=14, sampling_ratio=0),
            out_channels=256,
            featmap_strides=[4, 8, 16, 32]),
        mask_head=dict(
            type='FCNMaskHead',
            num_convs=4,
            in_channels=256,
            conv_out_channels=256,
            num_classes=80,
            loss_mask=dict(
                type='CrossEntropyLoss', use_mask=True, loss_weight=1.0))),
    train_cfg=dict(
        # Mask R-CNN also gives each ground-truth box its best proposal.
        rcnn=dict(assigner=dict(match_low_quality=True), mask_size=28)),
    test_cfg=dict(rcnn=dict(mask_thr_binary=0.5)))
