"""The course's terms in Korean and English, side by side, each with one line and the page of the
lab that shows it (the Glossary page). The two names are data, shown as they are in every
language; the line is translated like every other text."""

from __future__ import annotations

from dataclasses import dataclass

from core.base.i18n import N_


@dataclass(frozen=True)
class Term:
    """One term: its English and Korean names, one line, and the page (and section) showing it."""

    en: str
    ko: str
    line: str  # N_()-marked, translated where shown
    page: str  # a page file
    topic: str  # N_()-marked: the group it is listed under


BASICS, TRAINING, IMAGES, CONV, TOOLS = (
    N_("Neurons and networks"),
    N_("Training"),
    N_("Images"),
    N_("Convolution"),
    N_("Tensors and graphs"),
)
NEURON, ACTS, MLP, IMG, TENSORS, CONVO, CNN, COMPARE, HISTORY = (
    "pages/1_Neuron.py",
    "pages/2_Activations.py",
    "pages/3_MLP_Lab.py",
    "pages/4_Image_Basics.py",
    "pages/5_Tensors_Graphs.py",
    "pages/6_Convolution.py",
    "pages/7_CNN_Lab.py",
    "pages/8_Compare.py",
    "pages/0_History.py",
)

TERMS: tuple[Term, ...] = (
    Term("artificial neural network", "인공신경망", N_("Layers of simple units that learn a function from examples."), MLP, BASICS),
    Term("neuron", "뉴런", N_("One unit: a weighted sum of its inputs plus a bias, passed through an activation."), NEURON, BASICS),
    Term("perceptron", "퍼셉트론", N_("Rosenblatt's single neuron with a step activation, trained by its own rule."), NEURON, BASICS),
    Term("weight", "가중치", N_("How much one input counts in a neuron's weighted sum; learned."), NEURON, BASICS),
    Term("bias", "편향", N_("A neuron's constant term: it shifts where the activation switches."), NEURON, BASICS),
    Term("activation function", "활성화 함수", N_("The bend after the weighted sum (sigmoid, tanh, ReLU ...)."), ACTS, BASICS),
    Term("hidden layer", "은닉층", N_("A layer between the input and the output."), MLP, BASICS),
    Term("multilayer perceptron (MLP)", "다층 퍼셉트론", N_("Fully connected layers one after another."), MLP, BASICS),
    Term("decision boundary", "결정 경계", N_("Where the net's predicted class changes, drawn on the plane."), MLP, BASICS),
    Term("forward propagation", "순전파", N_("Computing the output from the input, layer by layer."), NEURON, TRAINING),
    Term("backpropagation", "오차역전파", N_("Computing every weight's gradient backwards from the loss, by the chain rule."), NEURON, TRAINING),
    Term("chain rule", "체인 룰", N_("The derivative of a composition is the product of the derivatives."), NEURON, TRAINING),
    Term("differentiable function", "미분 가능한 함수", N_("A function with a derivative (a slope) wherever its input goes: backpropagation works only through such functions, since the chain rule multiplies their derivatives."), NEURON, TRAINING),
    Term("loss", "손실", N_("How wrong the predictions are; training lowers it."), MLP, TRAINING),
    Term("gradient", "기울기", N_("How the loss changes with each weight; its direction is uphill."), NEURON, TRAINING),
    Term("gradient descent", "경사 하강법", N_("Moving every weight a small step against its gradient."), NEURON, TRAINING),
    Term("learning rate", "학습률", N_("The size of that step."), MLP, TRAINING),
    Term("epoch", "에포크", N_("One pass over all the training examples."), MLP, TRAINING),
    Term("batch", "배치", N_("The examples used for one gradient step."), MLP, TRAINING),
    Term("vanishing gradient", "기울기 소실", N_("The gradient shrinking layer by layer on the way back, so early layers barely learn."), MLP, TRAINING),
    Term("exploding gradient", "기울기 폭발", N_("The gradient growing layer by layer until the steps throw the weights about."), MLP, TRAINING),
    Term("overfitting", "과적합", N_("Fitting the training examples at the cost of new ones: validation loss turns up."), MLP, TRAINING),
    Term("validation set", "검증 데이터", N_("Examples kept out of training, to measure what the net really learned."), MLP, TRAINING),
    Term("dropout", "드롭아웃", N_("Zeroing random units while training so that no unit is relied on alone."), MLP, TRAINING),
    Term("batch normalization", "배치 정규화", N_("Normalising a layer's values with the batch's mean and variance, then scaling and shifting."), MLP, TRAINING),
    Term("initialization", "초기화", N_("How the weights start: their variance decides whether signals survive depth."), MLP, TRAINING),
    Term("pixel", "픽셀", N_("One cell of an image's grid, holding its brightness or colour."), IMG, IMAGES),
    Term("bitmap", "비트맵", N_("An image stored as its grid of pixel values."), IMG, IMAGES),
    Term("resolution", "해상도", N_("How many pixels wide and high an image is (640 x 480 ...)."), IMG, IMAGES),
    Term("bit depth", "비트 심도", N_("Bits per value: how many levels of brightness each pixel can take."), IMG, IMAGES),
    Term("image enhancement", "화질 개선", N_("Making a low-quality image better to look at."), IMG, IMAGES),
    Term("image restoration", "영상 복원", N_("Undoing known damage, such as noise."), IMG, IMAGES),
    Term("image compression", "영상 압축", N_("Storing the pixels in fewer bytes (PNG lossless, JPEG lossy)."), IMG, IMAGES),
    Term("convolution", "합성곱", N_("Sliding a small kernel over the image, a weighted sum at every position."), CONVO, CONV),
    Term("kernel (filter)", "커널(필터)", N_("The small grid of weights a convolution slides."), CONVO, CONV),
    Term("channel", "채널", N_("One map of a layer's output (or one colour of the input)."), CNN, CONV),
    Term("stride", "스트라이드", N_("How many pixels the kernel moves between outputs."), CONVO, CONV),
    Term("padding", "패딩", N_("Zeros (or copies) added around the border before convolving."), CONVO, CONV),
    Term("pooling", "풀링", N_("Shrinking a map by keeping the maximum (or mean) of each small patch."), CONVO, CONV),
    Term("feature map", "특성 맵", N_("One channel's output over the whole image."), CNN, CONV),
    Term("activation map", "활성화 맵", N_("A feature map after the activation."), CNN, CONV),
    Term("receptive field", "수용 영역", N_("The patch of input pixels one output unit sees."), CNN, CONV),
    Term("convolutional neural network (CNN)", "합성곱 신경망", N_("Convolution and pooling layers, then dense layers."), CNN, CONV),
    Term("tensor", "텐서", N_("An array with any number of axes: what every value in a net is."), TENSORS, TOOLS),
    Term("rank", "랭크", N_("The number of a tensor's axes."), TENSORS, TOOLS),
    Term("computation graph", "계산 그래프", N_("The operations of a net as nodes, with tensors flowing along the edges."), TENSORS, TOOLS),
    Term("eager execution", "즉시 실행", N_("Running each operation as Python reaches it (PyTorch's way, TensorFlow 2's default)."), TENSORS, TOOLS),
    Term("graph execution", "그래프 실행", N_("Building the graph first, then running it whole (TensorFlow 1, a compiled graph)."), TENSORS, TOOLS),
    Term("TensorBoard", "텐서보드", N_("TensorFlow's viewer of training curves and graphs; the lab exports to it."), COMPARE, TOOLS),
    Term("McCulloch-Pitts neuron", "매컬러-피츠 뉴런", N_("The 1943 threshold unit: the first model of a neuron as a switch."), HISTORY, BASICS),
)  # fmt: skip
