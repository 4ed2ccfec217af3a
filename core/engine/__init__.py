"""Training: the labs (config -> data -> model), MLP and CNN builders, the trainer and its probes
(gradient norms, activation stats, histograms), the plain reference loop, plain-word findings,
the image data sets, and the devices. Imports core.base and core.contract."""
