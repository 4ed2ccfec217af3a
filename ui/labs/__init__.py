"""The MLP and CNN labs: the live run (Train / Stop, the line, throttled redraws), the training
charts and views every lab shares, layer lessons, the MLP's decision boundary, the CNN's
filters and feature maps. Imports ui.common and core."""
