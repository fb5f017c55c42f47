"""Lines of mmdet's source that the explanations point at.

A text ties a claim to the line that carries it with a link
``[words](line:name)``; :data:`LINE_MARKS` says, for each ``name``, the
text key of the function it belongs to and a piece of that one line of
its source. The page links the words to the line and the listing names
the line's number, so the learner can check the claim against the code.
A mark is found by its snippet, not by a line number, so it survives
the source moving; a snippet that matches no line, or more than one,
leaves the words unlinked (and the knowledge tests fail).
"""
import re

#: ``[words](line:name)`` in a text
LINK = re.compile(r'\[([^\]\n]+)\]\(line:([a-z0-9_]+)\)')

#: name -> (text key of the function, piece of exactly one of its lines)
LINE_MARKS = {
    'two_stage_train_rpn_no_labels': (
        'TwoStageDetector.forward_train',
        'gt_labels=None,'),
    'two_stage_train_proposal_cfg': (
        'TwoStageDetector.forward_train',
        "proposal_cfg = self.train_cfg.get('rpn_proposal',"),
    'two_stage_train_external_proposals': (
        'TwoStageDetector.forward_train',
        'proposal_list = proposals'),
    'two_stage_test_proposals_none': (
        'TwoStageDetector.simple_test',
        'if proposals is None:'),
    'dense_train_loss_inputs_no_labels': (
        'BaseDenseHead.forward_train',
        'loss_inputs = outs + (gt_bboxes, img_metas)'),
    'dense_train_no_proposal_cfg': (
        'BaseDenseHead.forward_train',
        'if proposal_cfg is None:'),
    'rpn_loss_labels_none': (
        'RPNHead.loss',
        'None,'),
    'rpn_loss_rename': (
        'RPNHead.loss',
        "loss_rpn_cls=losses['loss_cls']"),
    'rpn_bboxes_softmax_fg': (
        'RPNHead._get_bboxes',
        'scores = rpn_cls_score.softmax(-1)[..., 0]'),
    'rpn_bboxes_level_nms': (
        'RPNHead._get_bboxes',
        'dets, keep = batched_nms(mlvl_proposals, mlvl_scores, mlvl_ids,'),
    'rpn_bboxes_max_per_img': (
        'RPNHead._get_bboxes',
        'dets[:cfg.max_per_img]'),
    'rpn_test_get_bboxes_no_cfg': (
        'RPNTestMixin.simple_test_rpn',
        'proposal_list = self.get_bboxes(*rpn_outs, img_metas)'),
    'get_anchors_shared_list': (
        'AnchorHead.get_anchors',
        'anchor_list = [multi_level_anchors for _ in range(num_imgs)]'),
    'get_anchors_valid_flags_pad_shape': (
        'AnchorHead.get_anchors',
        "featmap_sizes, img_meta['pad_shape'], device)"),
    'get_bboxes_detach': (
        'AnchorHead.get_bboxes',
        'cls_score_list = [cls_scores[i].detach()'
        ' for i in range(num_levels)]'),
    'grid_single_broadcast': (
        'AnchorGenerator.single_level_grid_anchors',
        'all_anchors = base_anchors[None, :, :] + shifts[:, None, :]'),
    'valid_flags_ceil_rows': (
        'AnchorGenerator.valid_flags',
        'valid_feat_h = min(int(np.ceil(h / anchor_stride[1])), feat_h)'),
    'valid_single_expand': (
        'AnchorGenerator.single_level_valid_flags',
        'valid = valid[:, None].expand(valid.size(0),'),
    'anchor_get_targets_at_least_one': (
        'AnchorHead.get_targets',
        'num_total_pos = sum([max(inds.numel(), 1)'
        ' for inds in pos_inds_list])'),
    'anchor_get_targets_return_none': (
        'AnchorHead.get_targets',
        'return None'),
    'anchor_targets_single_inside': (
        'AnchorHead._get_targets_single',
        'inside_flags = anchor_inside_flags(flat_anchors, valid_flags,'),
    'anchor_targets_single_no_anchor': (
        'AnchorHead._get_targets_single',
        'return (None, ) * 7'),
    'anchor_targets_single_pos_weight': (
        'AnchorHead._get_targets_single',
        'if self.train_cfg.pos_weight <= 0:'),
    'anchor_loss_return_none': (
        'AnchorHead.loss',
        'return None'),
    'anchor_loss_num_total_samples': (
        'AnchorHead.loss',
        'num_total_pos + num_total_neg if self.sampling else num_total_pos)'),
    'anchor_loss_single_decode': (
        'AnchorHead.loss_single',
        'bbox_pred = self.bbox_coder.decode(anchors, bbox_pred)'),
    'anchor_loss_single_cls_avg': (
        'AnchorHead.loss_single',
        'label_weights, avg_factor=num_total_samples)'),
    'anchor_loss_single_bbox_call': (
        'AnchorHead.loss_single',
        'loss_bbox = self.loss_bbox('),
    'maxiou_assign_overlaps': (
        'MaxIoUAssigner.assign',
        'overlaps = self.iou_calculator(gt_bboxes, bboxes)'),
    'maxiou_assign_ignore': (
        'MaxIoUAssigner.assign',
        'overlaps[:, ignore_max_overlaps > self.ignore_iof_thr] = -1'),
    'maxiou_wrt_neg': (
        'MaxIoUAssigner.assign_wrt_overlaps',
        'assigned_gt_inds[(max_overlaps >= 0)'),
    'maxiou_wrt_neg_range': (
        'MaxIoUAssigner.assign_wrt_overlaps',
        'assigned_gt_inds[(max_overlaps >= self.neg_iou_thr[0])'),
    'maxiou_wrt_pos': (
        'MaxIoUAssigner.assign_wrt_overlaps',
        'pos_inds = max_overlaps >= self.pos_iou_thr'),
    'maxiou_wrt_min_pos': (
        'MaxIoUAssigner.assign_wrt_overlaps',
        'if gt_max_overlaps[i] >= self.min_pos_iou:'),
    'maxiou_wrt_overwrite': (
        'MaxIoUAssigner.assign_wrt_overlaps',
        'assigned_gt_inds[max_iou_inds] = i + 1'),
    'basesampler_pos_quota': (
        'BaseSampler.sample',
        'num_expected_pos = int(self.num * self.pos_fraction)'),
    'basesampler_add_gt_labels': (
        'BaseSampler.sample',
        "'gt_labels must be given when add_gt_as_proposals is True')"),
    'basesampler_neg_quota': (
        'BaseSampler.sample',
        'num_expected_neg = self.num - num_sampled_pos'),
    'basesampler_neg_pos_ub': (
        'BaseSampler.sample',
        'neg_upper_bound = int(self.neg_pos_ub * _pos)'),
    'random_sample_pos_pool': (
        'RandomSampler._sample_pos',
        'pos_inds = torch.nonzero(assign_result.gt_inds > 0, as_tuple=False)'),
    'random_sample_neg_pool': (
        'RandomSampler._sample_neg',
        'neg_inds = torch.nonzero(assign_result.gt_inds == 0'
        ', as_tuple=False)'),
    'random_choice_randperm': (
        'RandomSampler.random_choice',
        'perm = torch.randperm(gallery.numel(), device=gallery.device)[:num]'),
    'coder_encode_rows': (
        'DeltaXYWHBBoxCoder.encode',
        'assert bboxes.size(0) == gt_bboxes.size(0)'),
    'coder_decode_leading': (
        'DeltaXYWHBBoxCoder.decode',
        'assert pred_bboxes.size(0) == bboxes.size(0)'),
    'bbox2delta_width': (
        'bbox2delta',
        'pw = proposals[..., 2] - proposals[..., 0]'),
    'bbox2delta_normalise': (
        'bbox2delta',
        'deltas = deltas.sub_(means).div_(stds)'),
    'delta2bbox_denorm': (
        'delta2bbox',
        'denorm_deltas = deltas * stds + means'),
    'delta2bbox_clamp': (
        'delta2bbox',
        'max_ratio = np.abs(np.log(wh_ratio_clip))'),
    'delta2bbox_clip': (
        'delta2bbox',
        'bboxes = torch.where(bboxes > max_xy, max_xy, bboxes)'),
    'roihead_train_feats': (
        'StandardRoIHead.forward_train',
        'feats=[lvl_feat[i][None] for lvl_feat in x])'),
    'roihead_bboxfwd_num_inputs': (
        'StandardRoIHead._bbox_forward',
        'x[:self.bbox_roi_extractor.num_inputs], rois)'),
    'roihead_test_pad': (
        'BBoxTestMixin.simple_test_bboxes',
        'proposals[i] = torch.cat((supplement, proposal), dim=0)'),
    'roihead_test_pad_mask': (
        'BBoxTestMixin.simple_test_bboxes',
        'supplement_mask = rois[..., -1] == 0'),
    'roiext_map_levels': (
        'SingleRoIExtractor.forward',
        'target_lvls = self.map_roi_levels(rois, num_levels)'),
    'roiext_zero_term': (
        'SingleRoIExtractor.forward',
        'feats[i].sum() * 0.'),
    'roiext_level_formula': (
        'SingleRoIExtractor.map_roi_levels',
        'torch.log2(scale / self.finest_scale + 1e-6)'),
    'roiext_level_clamp': (
        'SingleRoIExtractor.map_roi_levels',
        'target_lvls.clamp(min=0, max=num_levels - 1)'),
    'convfc_flatten': (
        'ConvFCBBoxHead.forward',
        'x = x.flatten(1)'),
    'bboxtarget_pos_weight': (
        'BBoxHead._get_target_single',
        'pos_weight = 1.0 if cfg.pos_weight <= 0 else cfg.pos_weight'),
    'bboxtarget_neg_weight': (
        'BBoxHead._get_target_single',
        'label_weights[-num_neg:] = 1.0'),
    'bboxloss_cls_avg_factor': (
        'BBoxHead.loss',
        'avg_factor = max(torch.sum(label_weights > 0).float().item(), 1.)'),
    'bboxloss_class_channel': (
        'BBoxHead.loss',
        'labels[pos_inds.type(torch.bool)]]'),
    'bboxloss_bbox_avg_factor': (
        'BBoxHead.loss',
        'avg_factor=bbox_targets.size(0),'),
    'bboxget_softmax': (
        'BBoxHead.get_bboxes',
        'scores = F.softmax('),
    'nms_drop_background': (
        'multiclass_nms',
        'scores = multi_scores[:, :-1]'),
    'nms_score_thr': (
        'multiclass_nms',
        'valid_mask = scores > score_thr'),
    'nms_empty_return': (
        'multiclass_nms',
        'if bboxes.numel() == 0:'),
    'bbox2result_empty': (
        'bbox2result',
        'if bboxes.shape[0] == 0:'),
    'maskfwdtrain_pos_rois': (
        'StandardRoIHead._mask_forward_train',
        'pos_rois = bbox2roi([res.pos_bboxes for res in sampling_results])'),
    'maskfwdtrain_pos_labels': (
        'StandardRoIHead._mask_forward_train',
        'pos_labels = torch.cat([res.pos_gt_labels for res in sampling_resul'
        'ts])'),
    'maskfwd_assert_one': (
        'StandardRoIHead._mask_forward',
        'assert ((rois is not None) ^'),
    'maskfwd_num_inputs': (
        'StandardRoIHead._mask_forward',
        'x[:self.mask_roi_extractor.num_inputs], rois)'),
    'maskfwd_shared_rows': (
        'StandardRoIHead._mask_forward',
        'mask_feats = bbox_feats[pos_inds]'),
    'fcnmask_deconv_relu': (
        'FCNMaskHead.forward',
        'x = self.relu(x)'),
    'fcnmask_logits': (
        'FCNMaskHead.forward',
        'mask_pred = self.conv_logits(x)'),
    'masktarget_concat': (
        'mask_target',
        'mask_targets = torch.cat(mask_targets)'),
    'masktarget_single_host': (
        'mask_target_single',
        'proposals_np = pos_proposals.cpu().numpy()'),
    'masktarget_single_clip': (
        'mask_target_single',
        'proposals_np[:, [0, 2]] = np.clip(proposals_np[:, [0, 2]], 0, maxw)'),
    'masktarget_single_back': (
        'mask_target_single',
        'mask_targets = torch.from_numpy(mask_targets).float().to(device)'),
    'masktarget_single_empty': (
        'mask_target_single',
        'mask_targets = pos_proposals.new_zeros((0, ) + mask_size)'),
    'cropresize_select': (
        'BitmapMasks.crop_and_resize',
        'gt_masks_th = torch.from_numpy(self.masks).to(device).index_select('),
    'cropresize_roi_align': (
        'BitmapMasks.crop_and_resize',
        "1.0, 0, 'avg', True).squeeze(1)"),
    'cropresize_binarise': (
        'BitmapMasks.crop_and_resize',
        'resized_masks = (targets >= 0.5).cpu().numpy()'),
    'maskloss_empty': (
        'FCNMaskHead.loss',
        'loss_mask = mask_pred.sum()'),
    'maskloss_agnostic': (
        'FCNMaskHead.loss',
        'torch.zeros_like(labels))'),
    'masktest_all_empty': (
        'MaskTestMixin.simple_test_mask',
        'if all(det_bbox.shape[0] == 0 for det_bbox in det_bboxes):'),
    'masktest_rescale_back': (
        'MaskTestMixin.simple_test_mask',
        'scale_factors[i] if rescale else det_bboxes[i][:, :4]'),
    'masktest_split': (
        'MaskTestMixin.simple_test_mask',
        'mask_preds = mask_pred.split(num_mask_roi_per_img, 0)'),
    'segmask_class_channel': (
        'FCNMaskHead.get_seg_masks',
        'mask_pred = mask_pred[range(N), labels][:, None]'),
    'segmask_ori_shape': (
        'FCNMaskHead.get_seg_masks',
        'img_h, img_w = ori_shape[:2]'),
    'segmask_threshold': (
        'FCNMaskHead.get_seg_masks',
        'masks_chunk = (masks_chunk >= threshold).to(dtype=torch.bool)'),
    # Cascade R-CNN
    'cascade_train_stage_cfg': (
        'CascadeRoIHead.forward_train',
        'rcnn_train_cfg = self.train_cfg[i]'),
    'cascade_train_loss_weight': (
        'CascadeRoIHead.forward_train',
        'lw = self.stage_loss_weights[i]'),
    'cascade_train_roi_labels': (
        'CascadeRoIHead.forward_train',
        "bbox_results['cls_score'][:, :-1].argmax(1),"),
    'cascade_train_refine': (
        'CascadeRoIHead.forward_train',
        'proposal_list = self.bbox_head[i].refine_bboxes('),
    'cascade_train_no_grad': (
        'CascadeRoIHead.forward_train',
        'with torch.no_grad():'),
    'cascade_bboxfwd_num_inputs': (
        'CascadeRoIHead._bbox_forward',
        'bbox_feats = bbox_roi_extractor(x[:bbox_roi_extractor.num_inputs],'),
    'refine_pick_image': (
        'BBoxHead.refine_bboxes',
        'rois[:, 0] == i, as_tuple=False).squeeze(dim=1)'),
    'refine_regress': (
        'BBoxHead.refine_bboxes',
        'bboxes = self.regress_by_class(bboxes_, label_, bbox_pred_,'),
    'refine_drop_gt': (
        'BBoxHead.refine_bboxes',
        'keep_inds[:len(pos_is_gts_)] = pos_keep'),
    'regress_by_class_specific': (
        'BBoxHead.regress_by_class',
        'if not self.reg_class_agnostic:'),
    'regress_by_class_five': (
        'BBoxHead.regress_by_class',
        'new_rois = torch.cat((rois[:, [0]], bboxes), dim=1)'),
    'cascade_test_rois': (
        'CascadeRoIHead.simple_test',
        'rois = bbox2roi(proposal_list)'),
    'cascade_test_label': (
        'CascadeRoIHead.simple_test',
        'bbox_label = [s[:, :-1].argmax(dim=1) for s in cls_score]'),
    'cascade_test_regress': (
        'CascadeRoIHead.simple_test',
        'self.bbox_head[i].regress_by_class(rois[j], bbox_label[j],'),
    'cascade_test_average': (
        'CascadeRoIHead.simple_test',
        'sum([score[i] for score in ms_scores]) / float(len(ms_scores))'),
    'cascade_test_mask_boxes': (
        'CascadeRoIHead.simple_test',
        'det_bboxes[i][:, :4] *'),
    'cascade_test_merge_masks': (
        'CascadeRoIHead.simple_test',
        'merged_masks = merge_aug_masks('),
    'cascade_maskfwdtrain_pos_rois': (
        'CascadeRoIHead._mask_forward_train',
        'pos_rois = bbox2roi([res.pos_bboxes for res in sampling_results])'),
    'cascade_maskfwd_pool': (
        'CascadeRoIHead._mask_forward',
        'mask_feats = mask_roi_extractor(x[:mask_roi_extractor.num_inputs],'),
    'merge_masks_flip': (
        'merge_aug_masks',
        'if flip:'),
    'merge_masks_mean': (
        'merge_aug_masks',
        'merged_masks = np.mean(recovered_masks, axis=0)'),
}


def line_of(name, first, source):
    """The line number of mark ``name`` in a function whose lines are
    ``source`` starting at ``first``; None when the mark is unknown or its
    snippet is not on exactly one line."""
    mark = LINE_MARKS.get(name)
    if mark is None:
        return None
    hits = [first + offset for offset, text in enumerate(source)
            if mark[1] in text]
    return hits[0] if len(hits) == 1 else None


def link_lines(text, first, source, render):
    """``text`` with each line link replaced by ``render(words, line)``,
    or by its words alone when the line is not found."""

    def replace(match):
        line = line_of(match.group(2), first, source) if source else None
        words = match.group(1)
        return words if line is None else render(words, line)

    return LINK.sub(replace, text)


def marks_in(text):
    """The mark names a text links to."""
    return [name for _, name in LINK.findall(text)]
