"""Write the golden files under ``tests/data/`` from the code.

Run after a deliberate change of the stage report or the listing, then
review the diff: the tests only compare with these files::

    .venv/bin/python scripts/regenerate_golden.py
"""
import os.path as osp
import sys
import tempfile

TESTS = osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))), 'tests')
sys.path.insert(0, TESTS)

import conftest  # noqa: E402
import goldens  # noqa: E402


def _write(path, text):
    with open(path, 'w', encoding='utf-8') as f:
        f.write(text)
    print(path)


def main():
    _write(goldens.REPORT, goldens.report_text())
    with tempfile.TemporaryDirectory() as out_dir:
        runs = conftest.make_stepped_models(out_dir)
        for language in ('en', 'zh'):
            _write(goldens.listing_path(language),
                   goldens.listing_text(runs['trace']['train'], language))


if __name__ == '__main__':
    main()
