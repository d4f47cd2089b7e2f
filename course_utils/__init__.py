"""Support code for the birnn-course notebooks.

One module per concern (data, models, shapes, training, plots, quiz, checks);
notebooks import from here instead of repeating code.
"""

__version__ = "0.1.0"
