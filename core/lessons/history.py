"""The History page's timeline: plain data, one step per idea, each with where to try it here.

Every text is marked with N_() and translated where it is shown. A link names a page file and,
for the labs, a preset (core.contract.presets) or a view whose fields become the query parameters, so
the step opens that page already set up; tests check that every target exists and parses.
Dates and attributions follow the original publications; there are no quotations.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from core.base.i18n import N_
from core.contract.config import to_params
from core.contract.presets import PRESETS
from core.lessons.activation_lessons import ActivationsView

NEURON, ACTIVATIONS_PAGE, MLP = "pages/1_Neuron.py", "pages/2_Activations.py", "pages/3_MLP_Lab.py"
TENSORS, CONVOLUTION, CNN = "pages/5_Tensors_Graphs.py", "pages/6_Convolution.py", "pages/7_CNN_Lab.py"


@dataclass(frozen=True)
class Link:
    """A page of this lab where a step can be tried, opened with a preset or a view when given."""

    page: str
    label: str
    preset: str = ""  # a key of core.contract.presets.PRESETS (MLP lab only)
    view: ActivationsView | None = None  # the Activations page set up

    def params(self) -> dict[str, str] | None:
        """The query parameters the link carries (None: the page opens as it is)."""
        if self.preset:
            return PRESETS[self.preset].params()
        return to_params(self.view) if self.view is not None else None


@dataclass(frozen=True)
class Event:
    """One step of the timeline: when, what happened, why it mattered, the source, where to try it."""

    key: str  # the step's name in the URL (?step=1986)
    when: str  # as shown: "1943", "1989–1998", "1990s–2000s" (translated where shown)
    start: int  # first year, for the order and the chart
    end: int  # last year (== start for one year)
    title: str
    what: str
    why: str
    source: str
    links: tuple[Link, ...] = field(default=())


EVENTS: tuple[Event, ...] = (
    Event(
        "1943",
        "1943",
        1943,
        1943,
        N_("Networks of switches"),
        N_(
            "Warren McCulloch and Walter Pitts describe a neuron as a threshold unit: its inputs are 0 "
            "or 1, it fires (outputs 1) when enough excitatory inputs are on to reach its threshold, and "
            "any active inhibitory input keeps it silent. Networks of such units compute logical "
            "functions such as AND, OR and NOT."
        ),
        N_(
            "The first mathematical model of a neuron, and of computing with networks of them. The "
            "thresholds and connections were set by hand: nothing was learned yet."
        ),
        N_(
            'W. S. McCulloch and W. Pitts, "A logical calculus of the ideas immanent in nervous '
            'activity", Bulletin of Mathematical Biophysics 5, 1943.'
        ),
        (Link(NEURON, N_("Neuron, section 1: a weighted sum and an activation")),),
    ),
    Event(
        "1958",
        "1958",
        1958,
        1958,
        N_("The perceptron learns"),
        N_(
            "Frank Rosenblatt's perceptron is a threshold unit whose weights are learned from labelled "
            "examples: after each mistake, every weight moves by the learning rate times the error "
            "times its input. It was also built as a machine, the Mark I Perceptron, whose eye was a "
            "20 × 20 grid of photocells."
        ),
        N_(
            "The first neuron that learns from data. The perceptron convergence theorem (Novikoff, "
            "1962) proves that the rule finds a separating line after finitely many mistakes "
            "whenever one exists."
        ),
        N_(
            'F. Rosenblatt, "The perceptron: a probabilistic model for information storage and '
            'organization in the brain", Psychological Review 65, 1958.'
        ),
        (Link(NEURON, N_("Neuron, section 2: run the perceptron rule on AND, OR and XOR")),),
    ),
    Event(
        "1969",
        "1969",
        1969,
        1969,
        N_("The XOR limit"),
        N_(
            "Marvin Minsky and Seymour Papert's book Perceptrons proves what single-layer perceptrons "
            "cannot do: one threshold unit cannot compute XOR, since no line separates its two "
            "classes, and perceptrons that see only small parts of an image cannot compute properties "
            "such as parity or connectedness. A hidden layer can compute XOR, but no one yet had a "
            "general way to train hidden units."
        ),
        N_(
            "Interest and funding for neural-network research fell through the 1970s, and the book "
            "is widely seen as one of the causes. The missing piece was a training rule for hidden "
            "layers."
        ),
        N_(
            "M. Minsky and S. Papert, Perceptrons: An Introduction to Computational Geometry, "
            "MIT Press, 1969."
        ),
        (Link(MLP, N_("MLP lab: XOR with one hidden layer of 4 units"), preset="xor"),),
    ),
    Event(
        "1986",
        "1986",
        1986,
        1986,
        N_("Backpropagation"),
        N_(
            "David Rumelhart, Geoffrey Hinton and Ronald Williams show that backpropagation, the chain "
            "rule applied layer by layer from the loss down, trains the hidden units of a multi-layer "
            "network, and that those units learn useful features of their own. Every unit needs a "
            "slope for this, so the hard step gave way to the smooth sigmoid."
        ),
        N_(
            "Hidden layers could now be trained, so XOR and far harder problems came within reach. "
            "The method itself was older (reverse-mode differentiation, Linnainmaa 1970; applied to "
            "neural networks by Werbos, 1974 and 1982); the 1986 paper made it widely used."
        ),
        N_(
            'D. E. Rumelhart, G. E. Hinton and R. J. Williams, "Learning representations by '
            'back-propagating errors", Nature 323, 1986.'
        ),
        (
            Link(NEURON, N_("Neuron, section 3: one backpropagation step, every number shown")),
            Link(NEURON, N_("Neuron, section 4: why a step activation cannot be trained this way")),
        ),
    ),
    Event(
        "1989",
        "1989–1998",
        1989,
        1998,
        N_("Convolution and pooling"),
        N_(
            "Yann LeCun and colleagues train convolutional networks by backpropagation to read "
            "handwritten ZIP-code digits (1989): each unit looks at a small patch through a small "
            "kernel of weights shared across the whole image. Their later nets add subsampling "
            "layers that average small blocks (pooling) to shrink the maps; LeNet-5 (1998) read "
            "handwritten digits on bank cheques."
        ),
        N_(
            "Sharing one kernel across the image needs far fewer weights than a dense layer, and finds "
            "a feature wherever it appears. The idea grew from Fukushima's neocognitron (1980)."
        ),
        N_(
            'Y. LeCun et al., "Backpropagation applied to handwritten zip code recognition", Neural '
            'Computation 1, 1989; Y. LeCun, L. Bottou, Y. Bengio and P. Haffner, "Gradient-based '
            'learning applied to document recognition", Proceedings of the IEEE 86, 1998.'
        ),
        (
            Link(CONVOLUTION, N_("Convolution: slide a kernel, pool a map, one cell by hand")),
            Link(CNN, N_("CNN lab: train a small convolutional net on digits")),
        ),
    ),
    Event(
        "1991",
        "1991",
        1991,
        1991,
        N_("The vanishing-gradient wall"),
        N_(
            "Sepp Hochreiter's diploma thesis (Munich, 1991) analyses why networks trained by "
            "backpropagation through many layers, or many time steps, learn so slowly: the error "
            "signal is multiplied by one slope and one weight per layer, so it shrinks or blows up "
            "exponentially with depth. Bengio, Simard and Frasconi reached the same conclusion in 1994."
        ),
        N_(
            "It explained why deep networks were so hard to train, and led to the LSTM (Hochreiter and "
            "Schmidhuber, 1997) for sequences. Sigmoid's slope is at most 1/4, so ten sigmoid layers "
            "alone keep less than a millionth of the gradient."
        ),
        N_(
            "S. Hochreiter, Untersuchungen zu dynamischen neuronalen Netzen, diploma thesis, TU Munich, "
            '1991; Y. Bengio, P. Simard and P. Frasconi, "Learning long-term dependencies with gradient '
            'descent is difficult", IEEE Transactions on Neural Networks 5, 1994.'
        ),
        (
            Link(
                ACTIVATIONS_PAGE,
                N_("Activations: sigmoid's slope through 10 layers"),
                view=ActivationsView(activation="sigmoid", z=0.0, depth=10),
            ),
            Link(MLP, N_("MLP lab: ten sigmoid layers, the vanishing-gradients preset"), preset="vanishing"),
        ),
    ),
    Event(
        "svm",
        N_("1990s–2000s"),
        1992,
        2009,
        N_("Support vector machines take over"),
        N_(
            "Support vector machines (Boser, Guyon and Vapnik 1992; Cortes and Vapnik 1995) find the "
            "separating line with the widest margin, or with a kernel a curved boundary. Training "
            "them is a convex problem: one best answer, no initialisation or learning rate to choose, "
            "and no gradient to vanish through layers."
        ),
        N_(
            "With the data sets and computers of the time, kernel methods often matched or beat "
            "neural networks and were easier to train; much of machine learning used them instead "
            "until the early 2010s."
        ),
        N_(
            'B. E. Boser, I. M. Guyon and V. N. Vapnik, "A training algorithm for optimal margin '
            'classifiers", COLT 1992; C. Cortes and V. Vapnik, "Support-vector networks", Machine '
            "Learning 20, 1995."
        ),
        (Link(MLP, N_("MLP lab: the deep sigmoid net that was so hard to train"), preset="vanishing"),),
    ),
    Event(
        "relu",
        "2010–2011",
        2010,
        2011,
        N_("The revival: ReLU"),
        N_(
            "Nair and Hinton (2010) and Glorot, Bordes and Bengio (2011) use rectified linear units, "
            "max(0, z): the slope is exactly 1 wherever z > 0, so a gradient passes through many "
            "active layers without shrinking. With initialisation scaled to each layer (Glorot and "
            "Bengio 2010; He et al. 2015), deep nets train from random weights."
        ),
        N_(
            "Deep networks trained well by plain backpropagation, without the layer-by-layer "
            "pre-training (Hinton et al., 2006) used before."
        ),
        N_(
            'V. Nair and G. E. Hinton, "Rectified linear units improve restricted Boltzmann '
            'machines", ICML 2010; X. Glorot, A. Bordes and Y. Bengio, "Deep sparse rectifier neural '
            'networks", AISTATS 2011.'
        ),
        (
            Link(
                MLP,
                N_("MLP lab: ten ReLU layers with He init, the healthy-gradient preset"),
                preset="healthy",
            ),
            Link(
                ACTIVATIONS_PAGE,
                N_("Activations: ReLU's slope through 10 layers"),
                view=ActivationsView(activation="relu", z=1.0, depth=10),
            ),
        ),
    ),
    Event(
        "dropout",
        "2012–2014",
        2012,
        2014,
        N_("Dropout"),
        N_(
            "Hinton and colleagues (2012; Srivastava et al., 2014) switch off each hidden unit at "
            "random during training, so no unit can rely on particular others; at test time every "
            "unit is used, with its output scaled to match."
        ),
        N_(
            "A simple and strong defence against overfitting in large networks; AlexNet used it in its "
            "fully connected layers."
        ),
        N_(
            'G. E. Hinton et al., "Improving neural networks by preventing co-adaptation of feature '
            'detectors", arXiv 2012; N. Srivastava et al., "Dropout: a simple way to prevent neural '
            'networks from overfitting", JMLR 15, 2014.'
        ),
        (
            Link(MLP, N_("MLP lab: a wide net overfits 100 noisy points"), preset="overfitting"),
            Link(MLP, N_("MLP lab: the same net with dropout 0.5"), preset="dropout"),
        ),
    ),
    Event(
        "alexnet",
        "2012",
        2012,
        2012,
        N_("GPUs and AlexNet"),
        N_(
            "Krizhevsky, Sutskever and Hinton train AlexNet, a convolutional net of 5 convolutional "
            "and 3 fully connected layers with ReLU and dropout, on 1.2 million ImageNet photos, on "
            "two GPUs whose matrix arithmetic ran it far faster than the CPUs of the time. It won the "
            "ImageNet challenge (ILSVRC 2012) with a top-5 error of 15.3%, against 26.2% for the "
            "runner-up."
        ),
        N_(
            "The result that turned computer vision, and then most of machine learning, to deep "
            "networks trained on GPUs."
        ),
        N_(
            'A. Krizhevsky, I. Sutskever and G. E. Hinton, "ImageNet classification with deep '
            'convolutional neural networks", NIPS 2012.'
        ),
        (
            Link(TENSORS, N_("Tensors and graphs, section 4: devices, and matrix arithmetic timed")),
            Link(CNN, N_("CNN lab: a convolutional net with ReLU and dropout")),
        ),
    ),
    Event(
        "rl",
        "2013–2015",
        2013,
        2015,
        N_("Where this leads: reinforcement learning"),
        N_(
            "DeepMind's DQN learns to play Atari games from the screen's pixels and the score alone: a "
            "convolutional net estimates the value of each joystick action and is trained by "
            "reinforcement learning (Mnih et al., 2013). The 2015 version reached a level comparable "
            "to a professional human tester across 49 games."
        ),
        N_("A network that learns to act, not only to label: the start of deep reinforcement learning."),
        N_(
            'V. Mnih et al., "Playing Atari with deep reinforcement learning", arXiv 2013; V. Mnih et '
            'al., "Human-level control through deep reinforcement learning", Nature 518, 2015.'
        ),
    ),
    Event(
        "gan",
        "2014",
        2014,
        2014,
        N_("Where this leads: generative adversarial networks"),
        N_(
            "Goodfellow and colleagues train two networks against each other: a generator turns random "
            "noise into samples, a discriminator learns to tell them from real data, and the generator "
            "learns to fool it."
        ),
        N_("Networks that make new images rather than label them."),
        N_('I. Goodfellow et al., "Generative adversarial nets", NIPS 2014.'),
    ),
    Event(
        "vision",
        "2014–2015",
        2014,
        2015,
        N_("Where this leads: detection and segmentation"),
        N_(
            "Convolutional nets go beyond one label per picture: R-CNN (Girshick et al., 2014) finds "
            "and boxes the objects in a photo; fully convolutional networks (Long, Shelhamer and "
            "Darrell, 2015) and U-Net (Ronneberger, Fischer and Brox, 2015) label every pixel."
        ),
        N_("The feature maps you can look at in the CNN lab are what these systems build on."),
        N_(
            'R. Girshick et al., "Rich feature hierarchies for accurate object detection and semantic '
            'segmentation", CVPR 2014; J. Long, E. Shelhamer and T. Darrell, "Fully convolutional '
            'networks for semantic segmentation", CVPR 2015; O. Ronneberger, P. Fischer and T. Brox, '
            '"U-Net: convolutional networks for biomedical image segmentation", MICCAI 2015.'
        ),
    ),
)
BY_KEY = {e.key: e for e in EVENTS}
