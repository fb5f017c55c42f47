"""Take the README's screenshot of a study page with the test suite's
headless Chromium::

    .venv/bin/python scripts/screenshot_study_page.py \
        work_dirs/demo/shape_trace/train_iter0.html \
        docs/images/study_page.png [--at '#fn-16'] [--language zh]

``--at`` scrolls the element with that CSS selector to the top first.
"""
import argparse
import os.path as osp
import sys

TESTS = osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))), 'tests')
sys.path.insert(0, TESTS)

from browser import Opened, chromium  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('page', help='a <phase>_iter<k>.html file')
    parser.add_argument('out', help='the PNG to write')
    parser.add_argument('--at', help='CSS selector to scroll to the top')
    parser.add_argument('--language', choices=['en', 'zh'])
    args = parser.parse_args()
    with chromium() as browser:
        opened = Opened(browser, osp.abspath(args.page))
        page = opened.page
        if args.language:
            page.click(f'label[for=lang-{args.language}]')
        if args.at:
            page.eval_on_selector(
                args.at, 'e => { e.scrollIntoView(); '
                'window.scrollBy(0, -document.querySelector("header")'
                '.offsetHeight); }')
        page.screenshot(path=args.out)
        opened.close()
    print(args.out)


if __name__ == '__main__':
    main()
