"""Symbolic shapes of the listed functions of the mask branch and of the
cascade, in the form of :mod:`.line_shapes` (which adds them to its
table).
"""
_FEATS = 'per level: (N, _, h_{l}, w_{l})'
_GT = 'per image: (G_{i}, 4)'
_PROPOSALS = 'per image: (K_{i}, 5)'

HEAD_SHAPES = {
    # the mask branch: Rm mask rois, the positives in training (sum of Pr_i)
    # and the detections at test time (sum of D_i); the mask's size and
    # channels follow the config and are checked by the stage records
    'bbox2roi@mask_head': {
        'bboxes': ['(P{r}_{i}, 4)', '(D_{i}, 4)'],
        'img_inds': ['(P{r}_{i}, 1)', '(D_{i}, 1)'],
        'rois': ['(P{r}_{i}, 5)', '(D_{i}, 5)', '(Rm, 5)'],
    },
    'SingleRoIExtractor.map_roi_levels@mask_head': {
        'rois': '(Rm, 5)', 'scale': '(Rm,)', 'target_lvls': '(Rm,)',
    },
    'SingleRoIExtractor.forward@mask_head': {
        'rois': '(Rm, 5)', 'target_lvls': '(Rm,)',
        'roi_feats': '(Rm, {out_channels}, _, _)',
    },
    'StandardRoIHead._mask_forward_train': {
        'x': _FEATS, 'pos_rois': '(Rm, 5)', 'pos_labels': '(Rm,)',
        'mask_targets': '(Rm, _, _)',
    },
    'StandardRoIHead._mask_forward': {
        'x': _FEATS, 'rois': '(Rm, 5)', 'mask_feats': '(Rm, _, _, _)',
        'mask_pred': '(Rm, _, _, _)',
    },
    'FCNMaskHead.forward': {
        'x': '(Rm, _, _, _)', 'mask_pred': '(Rm, _, _, _)',
    },
    'FCNMaskHead.get_targets': {
        'pos_proposals': 'per image: (P{r}_{i}, 4)',
        'pos_assigned_gt_inds': 'per image: (P{r}_{i},)',
        'mask_targets': '(Rm, _, _)',
    },
    'FCNMaskHead.loss': {
        'mask_pred': '(Rm, _, _, _)', 'mask_targets': '(Rm, _, _)',
        'labels': '(Rm,)',
    },
    'mask_target': {
        'pos_proposals_list': 'per image: (P{r}_{i}, 4)',
        'pos_assigned_gt_inds_list': 'per image: (P{r}_{i},)',
    },
    'mask_target_single': {
        'pos_proposals': '(P{r}_{i}, 4)',
        'pos_assigned_gt_inds': '(P{r}_{i},)',
        'num_pos': '= P{r}_{i}',
    },
    'BitmapMasks.crop_and_resize': {
        'bboxes': '(P{r}_{i}, 4)', 'inds': '(P{r}_{i},)',
        'num_bbox': '= P{r}_{i}',
        'fake_inds': '(P{r}_{i}, 1)', 'rois': '(P{r}_{i}, 5)',
        'gt_masks_th': '(P{r}_{i}, _, _)', 'targets': '(P{r}_{i}, _, _)',
    },
    'MaskTestMixin.simple_test_mask': {
        'det_bboxes': 'per image: (D_{i}, 5)',
        'det_labels': 'per image: (D_{i},)', 'num_imgs': '= N',
        'mask_rois': '(Rm, 5)', 'mask_pred': '(Rm, _, _, _)',
    },
    # Cascade R-CNN: R and Rm are the rois of the pass's stage (R<s>,
    # Rm<s>); {r} is r<s> and {cand} K<s>, the candidates of stage s;
    # {next} the candidates of the next stage, K<s+1>
    'CascadeRoIHead.forward_train': {
        'x': _FEATS, 'gt_bboxes': _GT, 'num_imgs': '= N',
        'proposal_list': [_PROPOSALS, 'per image: ({next}_{i}, 4)'],
        'roi_labels': '(R,)', 'pos_is_gts': 'per image: (P{r}_{i},)',
    },
    'CascadeRoIHead._bbox_forward': {
        'rois': '(R, 5)',
        'bbox_feats': '(R, {out_channels}, {roi_size}, {roi_size})',
        'cls_score': '(R, C+1)', 'bbox_pred': '(R, {reg})',
    },
    'CascadeRoIHead._bbox_forward_train': {'rois': '(R, 5)'},
    'BBoxHead.refine_bboxes': {
        'rois': '(R, 5)', 'labels': '(R,)', 'bbox_preds': '(R, {reg})',
        'inds': '(P{r}_{i} + Q{r}_{i},)', 'num_rois': '= P{r}_{i} + Q{r}_{i}',
        'bboxes_': '(P{r}_{i} + Q{r}_{i}, 4)',
        'label_': '(P{r}_{i} + Q{r}_{i},)',
        'bbox_pred_': '(P{r}_{i} + Q{r}_{i}, {reg})',
        'pos_is_gts_': '(P{r}_{i},)', 'pos_keep': '(P{r}_{i},)',
        'keep_inds': '(P{r}_{i} + Q{r}_{i},)',
        'bboxes': '(P{r}_{i} + Q{r}_{i}, 4)',
        'bboxes_list': 'per image: ({next}_{i}, 4)',
    },
    'BBoxHead.regress_by_class@cascade': {
        'rois': ['(P{r}_{i} + Q{r}_{i}, 4)', '(K_{i}, 5)'],
        'label': ['(P{r}_{i} + Q{r}_{i},)', '(K_{i},)'],
        'bbox_pred': ['(P{r}_{i} + Q{r}_{i}, {reg})',
                      '(P{r}_{i} + Q{r}_{i}, 4)', '(K_{i}, {reg})',
                      '(K_{i}, 4)'],
        'new_rois': ['(P{r}_{i} + Q{r}_{i}, 4)', '(K_{i}, 5)'],
    },
    'CascadeRoIHead.simple_test': {
        'num_imgs': '= N', 'proposal_list': _PROPOSALS,
        'rois': ['(R, 5)', 'per image: (K_{i}, 5)'],
        'cls_score': ['(R, C+1)', 'per image: (K_{i}, C+1)'],
        'bbox_pred': ['(R, {reg})', 'per image: (K_{i}, {reg})'],
        'bbox_label': 'per image: (K_{i},)',
        'det_bboxes': 'per image: (D_{i}, 5)',
        'det_labels': 'per image: (D_{i},)',
        'mask_rois': '(Rm, 5)', 'mask_pred': '(Rm, _, _, _)',
    },
    'BBoxHead.get_bboxes@cascade': {
        'rois': ['(K_{i}, 5)', '(1, K_{i}, 5)'],
        'cls_score': '(K_{i}, C+1)',
        'scores': ['(K_{i}, C+1)', '(1, K_{i}, C+1)'],
        'bbox_pred': ['(K_{i}, {reg})', '(1, K_{i}, {reg})'],
        'bboxes': '(1, K_{i}, {reg})', 'bbox': '(K_{i}, {reg})',
        'score': '(K_{i}, C+1)', 'det_bbox': '(D_{i}, 5)',
        'det_label': '(D_{i},)', 'det_bboxes': ['(D_{i}, 5)',
                                                'per image: (D_{i}, 5)'],
        'det_labels': ['(D_{i},)', 'per image: (D_{i},)'],
    },
    # (multiclass_nms does not know the head: both box layouts are listed)
    'multiclass_nms@cascade': {
        'multi_bboxes': ['(K_{i}, 4)', '(K_{i}, 4*C)'],
        'multi_scores': '(K_{i}, C+1)',
        'num_classes': '= C',
        'bboxes': ['(K_{i}, C, 4)', '(K_{i}*C, 4)', '(_, 4)'],
        'scores': ['(K_{i}, C)', '(K_{i}*C,)', '(_,)'],
        'labels': ['(K_{i}, C)', '(K_{i}*C,)', '(_,)'],
        'valid_mask': '(K_{i}*C,)', 'dets': ['(D_{i}, 5)', '(_, 5)'],
    },
    'CascadeRoIHead._mask_forward_train': {
        'x': _FEATS, 'pos_rois': '(Rm, 5)', 'pos_labels': '(Rm,)',
        'mask_targets': '(Rm, _, _)', 'mask_pred': '(Rm, _, _, _)',
    },
    'CascadeRoIHead._mask_forward': {
        'x': _FEATS, 'rois': '(Rm, 5)', 'mask_feats': '(Rm, _, _, _)',
        'mask_pred': '(Rm, _, _, _)',
    },
}
