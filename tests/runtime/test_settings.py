import pytest

from mmdet_frcnn_annotated.runtime.settings import TraceSettings


def test_defaults_trace_first_iteration_and_first_test_batch():
    settings = TraceSettings.from_config(None)
    assert [i for i in range(5) if settings.traces_train(i)] == [0]
    assert settings.traces_test('val', 0) and not settings.traces_test('val',
                                                                         1)


def test_iterations_and_interval():
    settings = TraceSettings.from_config(dict(iterations=[1], interval=4))
    assert [i for i in range(10) if settings.traces_train(i)] == [0, 1, 4, 8]


def test_phases_select():
    settings = TraceSettings.from_config(dict(phases=['test']))
    assert not settings.traces_train(0)
    assert settings.traces_test('test', 0)
    assert not settings.traces_test('val', 0)


@pytest.mark.parametrize('cfg, match', [
    (dict(iteration=[0]), "unknown trace setting.*'iteration'"),
    (dict(phases=['training']), "phases \\['training'\\]"),
    (dict(interval=-1), 'interval must be an int >= 0'),
    (dict(iterations=['a']), "'iterations' must be a list"),
    (dict(strict='yes'), "'strict' must be True or False, got 'yes'"),
    (dict(listing=1), "'listing' must be True or False"),
    (dict(pictures='no'), "'pictures' must be True or False, got 'no'"),
    (dict(language='fr'), "language \\['fr'\\]"),
    (dict(language=[]), 'trace language'),
    (dict(listing_functions=[3]), "'listing_functions' must be a string"),
])
def test_bad_settings_are_named(cfg, match):
    with pytest.raises((KeyError, ValueError), match=match):
        TraceSettings.from_config(cfg)


def test_language_and_listing_settings():
    settings = TraceSettings.from_config(dict(language='zh'))
    assert settings.language == ['zh'] and settings.listing
    assert TraceSettings.from_config(None).language == ['en', 'zh']
    assert not TraceSettings.from_config(dict(listing=False)).listing


@pytest.mark.parametrize('spec, match', [
    ('mmdet.core.bbox.transforms.bbox2roi', "must be written 'module:"),
    ('mmdet.core.nowhere:f', "cannot import 'mmdet.core.nowhere'"),
    ('mmdet.core.bbox.transforms:bbox3roi', "'bbox3roi' is not defined"),
    ('mmdet.models.dense_heads.rpn_head:RPNHead.forward_train',
     "RPNHead inherits it: name the class that defines it, 'mmdet.models."
     "dense_heads.base_dense_head:BaseDenseHead.forward_train'"),
])
def test_bad_listing_function_is_named_when_the_model_is_built(spec, match):
    from mmdet_frcnn_annotated.tracer import ShapeTracer
    with pytest.raises(ValueError, match=match):
        ShapeTracer(TraceSettings.from_config(dict(listing_functions=[spec])))
