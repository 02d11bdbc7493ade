"""ConvScope: train classic CNNs (LeNet to ResNet) with a click and watch them learn from the inside.

The repository's top folder is this package: ``core/`` installs as :mod:`convscope.core` (the Qt-free
engine), ``app/`` as :mod:`convscope.app` (the window) and ``resources/`` as :mod:`convscope.resources`
(the shipped data files). ``python -m convscope`` is the ``convscope`` command.
"""
__version__ = "0.1.0"
