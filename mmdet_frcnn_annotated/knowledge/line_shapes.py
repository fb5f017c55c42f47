"""Symbolic shapes of the local variables of the listed functions.

Keyed by function (as the listing names it) and variable name. A template
is the shape in the symbols of the report, with these placeholders:

    {l}      the FPN level of the pass (2..6)     {i}   the image of the pass
    {r}      'r' in the RoI head, '' in the RPN    {cand} 'K' in the RoI head
             (so P{r}_{i} is P_0 or Pr_0)                 (proposals), 'V' in
                                                          the RPN (anchors)
    {cls}    the RPN's cls_out_channels            {reg} '4' with
    {nms_pre}, {out_channels}, {fc_out_channels}         class-agnostic
             facts of the function                      regression, else '4*C'

``_`` is a dimension shown as it is and not checked. ``per level: (...)``,
``per image: (...)`` and ``per image per level: (...)`` describe a list.
``= expression`` describes an int. A list of templates gives the shapes a
variable takes on successive lines (a reshape keeps the name): the first
that fits is shown, and none fitting is a disagreement. A template ending
in ``@ text`` applies only to statements whose source contains ``text``.
"""
from .line_shapes_heads import HEAD_SHAPES

_LEVEL_MAP = 'h_{l}*w_{l}*A'
_FEATS = 'per level: (N, _, h_{l}, w_{l})'
_CLS = 'per level: (N, A*{cls}, h_{l}, w_{l})'
_DELTAS = 'per level: (N, A*4, h_{l}, w_{l})'
_GT = 'per image: (G_{i}, 4)'
_PROPOSALS = 'per image: (K_{i}, 5)'
_ANCHORS = f'per image per level: ({_LEVEL_MAP}, 4)'
_FLAGS = f'per image per level: ({_LEVEL_MAP},)'
_BY_LEVEL = f'per level: (N, {_LEVEL_MAP})'
_BY_LEVEL_4 = f'per level: (N, {_LEVEL_MAP}, 4)'
_TOPK = 'min(h_{l}*w_{l}*A, {nms_pre})'
_CAND = '({cand}_{i}, 4)'

SHAPES = {
    'TwoStageDetector.forward_train': {
        'img': '(N, 3, H, W)', 'gt_bboxes': _GT,
        'gt_labels': 'per image: (G_{i},)', 'x': _FEATS,
        'proposal_list': _PROPOSALS,
    },
    'AnnotatedFasterRCNN.extract_feat': {'img': '(N, 3, H, W)', 'x': _FEATS},
    'TwoStageDetector.extract_feat': {'img': '(N, 3, H, W)', 'x': _FEATS},
    'TwoStageDetector.simple_test': {
        'img': '(N, 3, H, W)', 'x': _FEATS, 'proposal_list': _PROPOSALS,
    },
    'BaseDenseHead.forward_train': {
        'x': _FEATS, 'gt_bboxes': _GT, 'proposal_list': _PROPOSALS,
    },
    'AnnotatedAnchorHead.forward': {
        'feats': _FEATS, 'x': '(N, _, h_{l}, w_{l})',
        'cls_score': '(N, A*{cls}, h_{l}, w_{l})',
        'bbox_pred': '(N, A*4, h_{l}, w_{l})',
    },
    'RPNHead.forward_single': {
        'x': '(N, _, h_{l}, w_{l})',
        'rpn_cls_score': '(N, A*{cls_out_channels}, h_{l}, w_{l})',
        'rpn_bbox_pred': '(N, A*4, h_{l}, w_{l})',
    },
    'RPNHead.loss': {'cls_scores': _CLS, 'bbox_preds': _DELTAS,
                     'gt_bboxes': _GT},
    'RPNTestMixin.simple_test_rpn': {'x': _FEATS,
                                     'proposal_list': _PROPOSALS},
    'AnchorHead.get_bboxes': {
        'cls_scores': _CLS, 'bbox_preds': _DELTAS,
        'mlvl_anchors': f'per level: ({_LEVEL_MAP}, 4)',
        'cls_score_list': _CLS, 'bbox_pred_list': _DELTAS,
        'result_list': _PROPOSALS,
    },
    'AnnotatedRPNHead._get_bboxes': {
        'cls_scores': _CLS, 'bbox_preds': _DELTAS,
        'mlvl_anchors': f'per level: ({_LEVEL_MAP}, 4)',
        'batch_size': '= N',
        'rpn_cls_score': ['(N, h_{l}, w_{l}, A*{cls})', f'(N, {_LEVEL_MAP})',
                          f'(N, {_LEVEL_MAP}, 2)'],
        'scores': [f'(N, {_LEVEL_MAP})', f'(N, {_TOPK})'],
        'rpn_bbox_pred': [f'(N, {_LEVEL_MAP}, 4)', f'(N, {_TOPK}, 4)'],
        'anchors': [f'(N, {_LEVEL_MAP}, 4)', f'(N, {_TOPK}, 4)'],
        'ranked_scores': f'(N, {_LEVEL_MAP})',
        'rank_inds': f'(N, {_LEVEL_MAP})',
        'topk_inds': f'(N, {_TOPK})', 'batch_inds': f'(N, {_TOPK})',
        'batch_mlvl_scores': '(N, M)', 'batch_mlvl_anchors': '(N, M, 4)',
        'batch_mlvl_rpn_bbox_pred': '(N, M, 4)',
        'batch_mlvl_proposals': '(N, M, 4)', 'batch_mlvl_ids': '(N, M)',
        'mlvl_scores': [f'per level: (N, {_TOPK})', '(M,)', '(M_{i},)'],
        'mlvl_bbox_preds': f'per level: (N, {_TOPK}, 4)',
        'mlvl_valid_anchors': f'per level: (N, {_TOPK}, 4)',
        'level_ids': f'per level: (N, {_TOPK})',
        'mlvl_proposals': ['(M, 4)', '(M_{i}, 4)'],
        'mlvl_ids': ['(M,)', '(M_{i},)'],
        'dets': '(_, 5)', 'proposals': '(K_{i}, 5)',
        'result_list': _PROPOSALS,
    },
    'AnchorHead.loss': {
        'cls_scores': _CLS, 'bbox_preds': _DELTAS, 'gt_bboxes': _GT,
        'anchor_list': _ANCHORS, 'valid_flag_list': _FLAGS,
        'labels_list': _BY_LEVEL, 'label_weights_list': _BY_LEVEL,
        'bbox_targets_list': _BY_LEVEL_4, 'bbox_weights_list': _BY_LEVEL_4,
        'all_anchor_list': _BY_LEVEL_4,
        'losses_cls': 'per level: ()', 'losses_bbox': 'per level: ()',
    },
    'AnchorHead.get_anchors': {
        'num_imgs': '= N', 'multi_level_anchors': f'per level: '
        f'({_LEVEL_MAP}, 4)', 'anchor_list': _ANCHORS,
        'multi_level_flags': f'per level: ({_LEVEL_MAP},)',
        'valid_flag_list': _FLAGS,
    },
    'AnchorHead.get_targets': {
        'num_imgs': '= N', 'gt_bboxes_list': _GT,
        'anchor_list': [_ANCHORS, 'per image: (T, 4)'],
        'valid_flag_list': [_FLAGS, 'per image: (T,)'],
        'all_labels': 'per image: (T,)', 'all_label_weights':
        'per image: (T,)', 'all_bbox_targets': 'per image: (T, 4)',
        'all_bbox_weights': 'per image: (T, 4)',
        'pos_inds_list': 'per image: (P_{i},)',
        'neg_inds_list': 'per image: (Q_{i},)',
        'labels_list': _BY_LEVEL, 'label_weights_list': _BY_LEVEL,
        'bbox_targets_list': _BY_LEVEL_4, 'bbox_weights_list': _BY_LEVEL_4,
    },
    'AnchorHead._get_targets_single': {
        'flat_anchors': '(T, 4)', 'valid_flags': '(T,)',
        'gt_bboxes': '(G_{i}, 4)', 'inside_flags': '(T,)',
        'anchors': '(V_{i}, 4)', 'num_valid_anchors': '= V_{i}',
        'bbox_targets': ['(T, 4) @ unmap(', '(V_{i}, 4)'],
        'bbox_weights': ['(T, 4) @ unmap(', '(V_{i}, 4)'],
        'labels': ['(T,) @ unmap(', '(V_{i},)'],
        'label_weights': ['(T,) @ unmap(', '(V_{i},)'],
        'pos_inds': '(P_{i},)', 'neg_inds': '(Q_{i},)',
        'pos_bbox_targets': '(P_{i}, 4)', 'num_total_anchors': '= T',
    },
    'AnchorHead.loss_single': {
        'cls_score': ['(N, A*{cls_out_channels}, h_{l}, w_{l})',
                      '(N*h_{l}*w_{l}*A, {cls_out_channels})'],
        'bbox_pred': ['(N, A*4, h_{l}, w_{l})', '(N*h_{l}*w_{l}*A, 4)'],
        'anchors': ['(N, h_{l}*w_{l}*A, 4)', '(N*h_{l}*w_{l}*A, 4)'],
        'labels': ['(N, h_{l}*w_{l}*A)', '(N*h_{l}*w_{l}*A,)'],
        'label_weights': ['(N, h_{l}*w_{l}*A)', '(N*h_{l}*w_{l}*A,)'],
        'bbox_targets': ['(N, h_{l}*w_{l}*A, 4)', '(N*h_{l}*w_{l}*A, 4)'],
        'bbox_weights': ['(N, h_{l}*w_{l}*A, 4)', '(N*h_{l}*w_{l}*A, 4)'],
        'loss_cls': '()', 'loss_bbox': '()',
    },
    'AnchorGenerator.grid_anchors': {
        'anchors': f'({_LEVEL_MAP}, 4)',
        'multi_level_anchors': f'per level: ({_LEVEL_MAP}, 4)',
    },
    'AnchorGenerator.single_level_grid_anchors': {
        'base_anchors': '(A, 4)', 'feat_h': '= h_{l}', 'feat_w': '= w_{l}',
        'shift_x': '(w_{l},)', 'shift_y': '(h_{l},)',
        'shift_xx': '(h_{l}*w_{l},)', 'shift_yy': '(h_{l}*w_{l},)',
        'shifts': '(h_{l}*w_{l}, 4)',
        'all_anchors': ['(h_{l}*w_{l}, A, 4)', f'({_LEVEL_MAP}, 4)'],
    },
    'AnchorGenerator.valid_flags': {
        'flags': f'({_LEVEL_MAP},)',
        'multi_level_flags': f'per level: ({_LEVEL_MAP},)',
    },
    'AnchorGenerator.single_level_valid_flags': {
        'feat_h': '= h_{l}', 'feat_w': '= w_{l}', 'num_base_anchors': '= A',
        'valid_x': '(w_{l},)', 'valid_y': '(h_{l},)',
        'valid_xx': '(h_{l}*w_{l},)', 'valid_yy': '(h_{l}*w_{l},)',
        'valid': ['(h_{l}*w_{l},)', f'({_LEVEL_MAP},)'],
    },
    'MaxIoUAssigner.assign': {
        'bboxes': [_CAND, '({cand}_{i}, 5)'], 'gt_bboxes': '(G_{i}, 4)',
        'overlaps': '(G_{i}, {cand}_{i})',
    },
    'MaxIoUAssigner.assign_wrt_overlaps': {
        'overlaps': '(G_{i}, {cand}_{i})', 'num_gts': '= G_{i}',
        'num_bboxes': '= {cand}_{i}',
        'assigned_gt_inds': '({cand}_{i},)', 'max_overlaps': '({cand}_{i},)',
        'argmax_overlaps': '({cand}_{i},)', 'gt_max_overlaps': '(G_{i},)',
        'gt_argmax_overlaps': '(G_{i},)',
    },
    'BaseSampler.sample': {
        'bboxes': [_CAND, '({cand}_{i}, 5)', '({cand}_{i} + G_{i}, 4)'],
        'gt_bboxes': '(G_{i}, 4)',
        'gt_flags': ['({cand}_{i},)', '({cand}_{i} + G_{i},)'],
        'pos_inds': ['(P{r}_{i},)', '(P{r}_{i}, 1)'],
        'neg_inds': ['(Q{r}_{i},)', '(Q{r}_{i}, 1)'],
        'num_sampled_pos': '= P{r}_{i}',
    },
    'RandomSampler._sample_pos': {
        'pos_inds': ['(F{r}_{i}, 1)', '(F{r}_{i},)', '(P{r}_{i},)'],
    },
    'RandomSampler._sample_neg': {
        'neg_inds': ['(B{r}_{i}, 1)', '(B{r}_{i},)', '(Q{r}_{i},)'],
    },
    'DeltaXYWHBBoxCoder.encode': {
        'bboxes': '(P{r}_{i}, 4)', 'gt_bboxes': '(P{r}_{i}, 4)',
        'encoded_bboxes': '(P{r}_{i}, 4)',
    },
    'bbox2delta': {
        'proposals': '(P{r}_{i}, 4)', 'gt': '(P{r}_{i}, 4)',
        'deltas': '(P{r}_{i}, 4)',
    },
    'DeltaXYWHBBoxCoder.decode@rpn_head': {
        'bboxes': '(N, M, 4)', 'pred_bboxes': '(N, M, 4)',
        'decoded_bboxes': '(N, M, 4)',
    },
    'StandardRoIHead.forward_train': {
        'x': _FEATS, 'proposal_list': _PROPOSALS, 'gt_bboxes': _GT,
        'num_imgs': '= N',
    },
    'AnnotatedStandardRoIHead._bbox_forward_train': {
        'rois': '(R, 5)', 'bbox_targets': None,
    },
    'StandardRoIHead._bbox_forward': {
        'rois': '(R, 5)', 'bbox_feats': '(R, _, _, _)',
        'cls_score': '(R, C+1)', 'bbox_pred': '(R, {reg})',
    },
    'bbox2roi': {
        'bboxes': ['(P{r}_{i} + Q{r}_{i}, 4)'], 'img_inds':
        '(P{r}_{i} + Q{r}_{i}, 1)',
        'rois': ['(P{r}_{i} + Q{r}_{i}, 5)', '(R, 5)'],
    },
    'SingleRoIExtractor.map_roi_levels': {
        'rois': '(R, 5)', 'scale': '(R,)', 'target_lvls': '(R,)',
    },
    'SingleRoIExtractor.forward': {
        'rois': '(R, 5)', 'target_lvls': '(R,)',
        'roi_feats': '(R, {out_channels}, _, _)',
    },
    'ConvFCBBoxHead.forward': {
        'x': ['(R, _, _, _)', '(R, _)', '(R, {fc_out_channels})'],
        'x_cls': '(R, {fc_out_channels})', 'x_reg': '(R, {fc_out_channels})',
        'cls_score': '(R, C+1)', 'bbox_pred': '(R, {reg})',
    },
    'BBoxHead.forward': {
        'x': ['(R, _, _, _)', '(R, _)'], 'cls_score': '(R, C+1)',
        'bbox_pred': '(R, {reg})',
    },
    'ResLayer.forward': {'x': '(R, _, _, _)', 'out': '(R, _, _, _)'},
    'BBoxHead.get_targets': {
        'pos_bboxes_list': 'per image: (P{r}_{i}, 4)',
        'neg_bboxes_list': 'per image: (Q{r}_{i}, 4)',
        'pos_gt_bboxes_list': 'per image: (P{r}_{i}, 4)',
        'pos_gt_labels_list': 'per image: (P{r}_{i},)',
        'labels': ['per image: (P{r}_{i} + Q{r}_{i},)', '(R,)'],
        'label_weights': ['per image: (P{r}_{i} + Q{r}_{i},)', '(R,)'],
        'bbox_targets': ['per image: (P{r}_{i} + Q{r}_{i}, 4)', '(R, 4)'],
        'bbox_weights': ['per image: (P{r}_{i} + Q{r}_{i}, 4)', '(R, 4)'],
    },
    'BBoxHead._get_target_single': {
        'pos_bboxes': '(P{r}_{i}, 4)', 'neg_bboxes': '(Q{r}_{i}, 4)',
        'pos_gt_bboxes': '(P{r}_{i}, 4)', 'pos_gt_labels': '(P{r}_{i},)',
        'num_pos': '= P{r}_{i}', 'num_neg': '= Q{r}_{i}',
        'num_samples': '= P{r}_{i} + Q{r}_{i}',
        'labels': '(P{r}_{i} + Q{r}_{i},)',
        'label_weights': '(P{r}_{i} + Q{r}_{i},)',
        'bbox_targets': '(P{r}_{i} + Q{r}_{i}, 4)',
        'bbox_weights': '(P{r}_{i} + Q{r}_{i}, 4)',
        'pos_bbox_targets': '(P{r}_{i}, 4)',
    },
    'BBoxHead.loss': {
        'cls_score': '(R, C+1)', 'bbox_pred': ['(R, {reg})', '(R, C, 4)'],
        'rois': '(R, 5)', 'labels': '(R,)', 'label_weights': '(R,)',
        'bbox_targets': '(R, 4)', 'bbox_weights': '(R, 4)',
        'bg_class_ind': '= C', 'pos_inds': '(R,)',
    },
    'BBoxTestMixin.simple_test_bboxes': {
        'proposals': [_PROPOSALS, 'per image: (R//N, 5)'],
        'max_size': '= R//N', 'supplement': '(R//N - K_{i}, 5)',
        'rois': ['(N, R//N, 5)', '(N, R//N, 5)', '(R, 5)'],
        'batch_index': '(N, R//N, 1)', 'batch_size': '= N',
        'num_proposals_per_img': '= R//N',
        'cls_score': ['(R, C+1)', '(N, R//N, C+1)'],
        'bbox_pred': ['(R, {reg})', '(N, R//N, {reg})'],
        'supplement_mask': '(N, R//N)',
        'det_bboxes': 'per image: (D_{i}, 5)',
        'det_labels': 'per image: (D_{i},)',
    },
    'BBoxHead.get_bboxes': {
        'rois': '(N, R//N, 5)', 'cls_score': '(N, R//N, C+1)',
        'scores': '(N, R//N, C+1)', 'bbox_pred': '(N, R//N, {reg})',
        'bboxes': '(N, R//N, {reg})', 'bbox': '(R//N, {reg})',
        'score': '(R//N, C+1)', 'det_bbox': '(D_{i}, 5)',
        'det_label': '(D_{i},)',
        'det_bboxes': 'per image: (D_{i}, 5)',
        'det_labels': 'per image: (D_{i},)',
    },
    'multiclass_nms': {
        'multi_bboxes': '(R//N, {reg})', 'multi_scores': '(R//N, C+1)',
        'num_classes': '= C',
        'bboxes': ['(R//N, C, 4)', '(R//N*C, 4)', '(_, 4)'],
        'scores': ['(R//N, C)', '(R//N*C,)', '(_,)'],
        'labels': ['(R//N, C)', '(R//N*C,)', '(_,)'],
        'valid_mask': '(R//N*C,)', 'dets': ['(D_{i}, 5)', '(_, 5)'],
    },
    'bbox2result': {
        'bboxes': ['(D_{i}, 5)', '(D_{i}, 4)'], 'labels': '(D_{i},)',
        'num_classes': '= C',
    },
}
SHAPES.update(HEAD_SHAPES)


# Watched functions listed with concrete shapes only, and why.
CONCRETE_ONLY = {
    'RPNHead._get_bboxes': 'the stock method, listed only when it runs in '
    "place of this package's re-implementation, which has the shapes",
    'StandardRoIHead._bbox_forward_train': 'the stock method, listed only '
    "when it runs in place of this package's re-implementation, which has "
    'the shapes',
    'RandomSampler.random_choice': "its result is the callers' pos_inds or "
    'neg_inds, checked there',
    'delta2bbox': 'called batch-wide by the RPN and per image by the RoI '
    "head; its callers' results are checked",
    'StandardRoIHead.simple_test': 'its inputs and results are checked in '
    'TwoStageDetector.simple_test and BBoxTestMixin.simple_test_bboxes',
    'merge_aug_masks': 'called only for the images that have detections, '
    'so its calls do not name their image; the mask rois whose predictions '
    'it averages are checked in CascadeRoIHead.simple_test',
    'FCNMaskHead.get_seg_masks': 'called only for the images that have '
    'detections, so its calls do not name their image; its inputs are '
    'checked in MaskTestMixin.simple_test_mask',
}


def templates(function, variable, scope, cascade=False):
    """The template(s) of ``variable`` in ``function`` (a list), or [];
    under a cascade's RoI head ``function@cascade`` comes first."""
    keys = (f'{function}@{scope}', function)
    if cascade:
        keys = (f'{function}@cascade', ) + keys
    for key in keys:
        table = SHAPES.get(key)
        if table and variable in table:
            found = table[variable]
            if found is None:
                return []
            return found if isinstance(found, list) else [found]
    return []
