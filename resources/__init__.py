"""ConvScope's data files, installed as the package ``convscope.resources`` (see ``core/base/resources.py``).

Holds no code: ``data/*.npz`` (the offline samples), ``presets.json``, ``style.qss`` and the
translations (``*.qm``) travel with the wheel as package data of this folder.
"""
