"""Analyses that run the engine many times: calibration to what senders saw
(``calibrate``: observations, their synthetic likelihood, importance sampling)."""
