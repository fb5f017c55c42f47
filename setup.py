from setuptools import find_packages, setup

setup(
    name='mmdet_frcnn_annotated',
    version='0.1.0',
    description='An mmdetection 2.11 plugin that makes a Faster R-CNN '
    'training run record and explain the shape of every tensor.',
    packages=find_packages(include=['mmdet_frcnn_annotated',
                                    'mmdet_frcnn_annotated.*']),
    package_data={
        'mmdet_frcnn_annotated.knowledge.texts': ['*.md'],
        'mmdet_frcnn_annotated.rendering.html': ['*.css', '*.js'],
    },
    python_requires='>=3.7',
    install_requires=['mmdet==2.11.0', 'mmcv-full>=1.3.8,<1.4.1'],
)
