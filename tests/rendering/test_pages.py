"""The file names of a step's pages."""
from mmdet_frcnn_annotated.rendering.pages import (listing_name, report_name,
                                                   step_name)


def test_names():
    assert step_name('train', 3) == 'train_iter3'
    assert step_name('val', 0, rank=2) == 'val_iter0_rank2'
    assert report_name('train_iter3', 'en', ['en', 'zh']) == 'train_iter3.md'
    assert report_name('train_iter3', 'zh', ['en', 'zh']) == \
        'train_iter3.zh.md'
    assert report_name('train_iter3', 'zh', ['zh']) == 'train_iter3.md'
    assert listing_name('test_iter0', 'zh') == 'test_iter0.listing.zh.md'
