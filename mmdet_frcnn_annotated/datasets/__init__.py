from .toy_shapes import ToyShapesDataset, generate

__all__ = ['ToyShapesDataset', 'generate']
