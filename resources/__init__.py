"""ConvScope's data files, installed as the package ``convscope_resources`` (see ``core/resources.py``).

Holds no code: ``data/*.npz`` (the offline samples), ``presets.json``, ``style.qss`` and the
translations (``*.qm``) travel with the wheel as package data of this folder.
"""
