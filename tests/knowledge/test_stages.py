"""Stage families, the facts the notes quote, and scopes."""
from mmdet_frcnn_annotated.knowledge.scopes import (scope_of_path,
                                                    scope_of_stage)
from mmdet_frcnn_annotated.knowledge.stages import (FAMILIES, stage_family,
                                                    stage_of, with_derived)


def test_a_stage_belongs_to_the_longest_family_that_starts_it():
    assert stage_family('rpn_head/forward/P2') == 'rpn_head/forward'
    assert stage_family('roi_head/hard_examples/0/bbox_head') == \
        'roi_head/hard_examples'
    assert stage_of('roi_head/sampling/img1').family == 'roi_head/sampling'
    assert stage_of('roi_head/bbox_roi_extractor').family == \
        'roi_head/bbox_roi_extractor'
    assert stage_of('somewhere/else') is None
    assert FAMILIES.index('rpn_head/targets') < FAMILIES.index(
        'roi_head/sampling')


def test_variants_follow_the_config():
    forward = stage_of('rpn_head/forward/P3')
    assert forward.note_key(dict(rpn_use_sigmoid=True)) == \
        'rpn_head/forward@sigmoid'
    assert forward.note_key(dict(rpn_use_sigmoid=False)) == \
        'rpn_head/forward@softmax'
    head = stage_of('roi_head/bbox_head')
    assert head.note_key(dict(num_shared_fcs=0, reg_class_agnostic=True)) \
        == 'roi_head/bbox_head@nofcs-agnostic'
    neck = stage_of('neck')
    assert neck.note_key(dict(neck='FPN', fpn_extra_convs=False)) == 'neck'
    assert neck.note_key(dict(neck='FPN', fpn_extra_convs='on_input')) == \
        'neck@other'


def test_derived_facts_and_the_phase():
    facts = dict(rpn_sampler_num=256, rpn_pos_fraction=0.5,
                 rcnn_sampler_num=100, rcnn_pos_fraction=0.25,
                 train_nms_pre=2000, test_nms_pre=1000,
                 train_max_per_img=1000, test_max_per_img=300)
    train = with_derived(facts, 'train')
    assert (train['rpn_num_pos'], train['rcnn_num_pos']) == (128, 25)
    assert (train['nms_pre'], train['max_per_img']) == (2000, 1000)
    test = with_derived(facts, 'val')
    assert (test['nms_pre'], test['max_per_img']) == (1000, 300)
    assert 'rpn_nms_iou' not in test  # not in the facts: not guessed


def test_scopes():
    assert scope_of_path(['TwoStageDetector.forward_train',
                          'BaseDenseHead.forward_train',
                          'MaxIoUAssigner.assign']) == 'rpn_head'
    assert scope_of_path(['StandardRoIHead.forward_train',
                          'MaxIoUAssigner.assign']) == 'roi_head'
    assert scope_of_path(['StandardRoIHead.forward_train',
                          'BaseSampler.sample',
                          'StandardRoIHead._bbox_forward']) == 'hard_examples'
    assert scope_of_path(['TwoStageDetector.extract_feat']) == 'detector'
    assert scope_of_path(['StandardRoIHead.forward_train',
                          'StandardRoIHead._mask_forward_train',
                          'bbox2roi']) == 'mask_head'
    assert scope_of_path(['MaskTestMixin.simple_test_mask',
                          'StandardRoIHead._mask_forward',
                          'SingleRoIExtractor.forward']) == 'mask_head'
    assert scope_of_stage('roi_head/rois') == 'roi_head'
    assert scope_of_stage('neck') == 'detector'
