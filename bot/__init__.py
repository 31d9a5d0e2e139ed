"""Collaboration Coach: answers leaders' questions from the NLC / Ipsos MORI collaboration report."""

__version__ = "0.1.0"
