using Microsoft.CodeAnalysis;

namespace Compiled.Nets.Generators;

/// <summary>Every diagnostic the generator reports; the catalogue with examples is docs/diagnostics.md.</summary>
internal static class DiagnosticDescriptors
{
    private const string Category = "Compiled.Nets";
    private const string HelpBase = "https://github.com/compiled-nets/compiled-nets/blob/main/docs/diagnostics.md#";

    private static DiagnosticDescriptor Error(string id, string title, string message) =>
        new(id, title, message, Category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpBase + id.ToLowerInvariant());

    private static DiagnosticDescriptor Warning(string id, string title, string message) =>
        new(id, title, message, Category, DiagnosticSeverity.Warning, isEnabledByDefault: true, helpLinkUri: HelpBase + id.ToLowerInvariant());

    public static readonly DiagnosticDescriptor NotPartial = Error("CN0001",
        "Network type must be partial",
        "'{0}' must be declared partial (and so must every type that contains it) so that the generator can add the network's code");

    public static readonly DiagnosticDescriptor NoInputLayer = Error("CN0002",
        "Network has no input layer",
        "Network '{0}' has no [Input] layer; declare one as its first layer, e.g. [Input(784)] partial Layer Image {{ get; }}");

    public static readonly DiagnosticDescriptor NonPositiveSize = Error("CN0003",
        "Layer size must be positive",
        "Layer '{0}' has {1} = {2}; sizes must be at least 1");

    public static readonly DiagnosticDescriptor NonDifferentiableActivation = Error("CN0004",
        "Activation cannot be trained by gradient descent",
        "Layer '{0}' uses the {1} activation, whose gradient is zero almost everywhere, in a network trained by gradient descent; use a differentiable activation, or train a single-layer network with the perceptron rule ([Network(Training = TrainingRule.Perceptron)])");

    public static readonly DiagnosticDescriptor MismatchedOutputAndLoss = Warning("CN0005",
        "Output activation and loss slow learning",
        "Output layer '{0}' uses the {1} activation with the {2} loss: the activation's derivative shrinks the gradient where the output saturates, so learning slows; the matched pairs are linear with mean squared error, logistic with binary cross-entropy, softmax with softmax cross-entropy");

    public static readonly DiagnosticDescriptor HiddenSoftmax = Warning("CN0006",
        "Softmax on a hidden layer",
        "Layer '{0}' is hidden but uses softmax; softmax belongs on the output layer, where it turns scores into probabilities");

    public static readonly DiagnosticDescriptor MisplacedInput = Error("CN0007",
        "Input layer must come first, once",
        "Layer '{0}' is an [Input] layer but {1}; a network has exactly one input, declared as its first layer");

    public static readonly DiagnosticDescriptor PerceptronNeedsSingleStepLayer = Error("CN0008",
        "Perceptron rule needs one Heaviside or Sign layer",
        "Network '{0}' is trained with the perceptron rule, which needs exactly one dense layer with the Heaviside or Sign activation after the input; {1}");

    public static readonly DiagnosticDescriptor InvalidSlope = Error("CN0009",
        "Invalid activation slope",
        "Layer '{0}' has Slope = {1}, but {2}");

    public static readonly DiagnosticDescriptor NoLayers = Error("CN0010",
        "Network has no layers after its input",
        "Network '{0}' has an input but no layer after it; add at least one [Dense] layer");

    public static readonly DiagnosticDescriptor InvalidNetworkSetting = Error("CN0011",
        "Invalid network setting",
        "Network '{0}' has {1} = {2}; {3}");

    public static readonly DiagnosticDescriptor LayerNotPartial = Warning("CN0012",
        "Layer property is not partial",
        "Layer property '{0}' is not partial, so the generator cannot implement it and it will not return the layer; declare it as 'partial Layer {0} {{ get; }}'");

    public static readonly DiagnosticDescriptor UnsupportedNetworkType = Error("CN0013",
        "Unsupported network type",
        "'{0}' cannot be a network: {1}");

    public static readonly DiagnosticDescriptor WrongLayerPropertyType = Error("CN0014",
        "Layer property must be of type Layer",
        "Layer property '{0}' has type '{1}'; layer properties must be of type Compiled.Nets.Layer");

    public static readonly DiagnosticDescriptor UnusedSlope = Warning("CN0015",
        "Slope has no effect",
        "Layer '{0}' sets Slope, but the {1} activation has no slope; only Logistic and LeakyReLU use it");

    public static readonly DiagnosticDescriptor OutputNotDense = Error("CN0016",
        "Output layer cannot be a Dropout, BatchNorm, PReLU or Flatten layer",
        "Layer '{0}' is a {1} layer but the last one; the loss is computed on a layer that maps its input, so end the network with [Dense] (or a convolution, Add, pooling or Maxout layer)");

    public static readonly DiagnosticDescriptor InvalidInputReference = Error("CN0018",
        "Unknown or invalid input reference",
        "Layer '{0}' reads '{1}', {2}");

    public static readonly DiagnosticDescriptor CyclicInputReference = Error("CN0019",
        "Layers read each other in a cycle",
        "Layers of network '{0}' read each other in a cycle ({1}, each reading the next); a network is computed from its input forward, so every reference must lead back to the input");

    public static readonly DiagnosticDescriptor KernelLargerThanInput = Error("CN0020",
        "Kernel larger than its padded input",
        "Layer '{0}': its {1} kernel is larger than its padded input {2} (input {3}, padding {4}); use a smaller kernel, more padding or remove a pooling layer before it");

    public static readonly DiagnosticDescriptor StrideDoesNotFit = Warning("CN0021",
        "Stride does not fit the input",
        "Layer '{0}': (N − F + 2P) / S = ({1} − {2} + 2·{3}) / {4} is not a whole number, so the last {5} of the input are never read (PyTorch floors the same way); sizes that fit: {6}");

    public static readonly DiagnosticDescriptor AddShapeMismatch = Error("CN0022",
        "Add of differently shaped inputs",
        "Layer '{0}' adds '{1}' of shape {2} and '{3}' of shape {4}; a residual connection needs equal shapes (add a 1×1 convolution or pooling to match them)");

    public static readonly DiagnosticDescriptor EmptyOutput = Error("CN0023",
        "Layer output would be empty",
        "Layer '{0}' would output shape {1}, which holds no values; {2}");

    public static readonly DiagnosticDescriptor InputShapeMismatch = Error("CN0024",
        "Layer cannot read its input's shape",
        "Layer '{0}' cannot read '{1}' of shape {2}: {3}");

    // CN0030–CN0049: network-level checks (Pipeline/NetworkChecks.cs, Pipeline/SizeCheck.cs).

    public static readonly DiagnosticDescriptor LayerNotGetOnly = Error("CN0030",
        "Layer property must be get-only",
        "Layer property '{0}' {1}; the generator implements a layer property as a getter, so declare it as 'partial Layer {0} {{ get; }}'");

    public static readonly DiagnosticDescriptor LayerModifier = Error("CN0031",
        "Layer property has an unsupported modifier",
        "Layer property '{0}' is {1}; a layer belongs to one network instance and the generator implements it, so declare it as '[public] partial Layer {0} {{ get; }}'");

    public static readonly DiagnosticDescriptor LayerRefReturn = Error("CN0032",
        "Layer property cannot return by reference",
        "Layer property '{0}' returns '{1} Layer'; the generator returns the layer by value, so remove '{1}'");

    public static readonly DiagnosticDescriptor LayerIndexer = Error("CN0033",
        "Layer cannot be an indexer",
        "An indexer carries the layer attribute {0}; a layer is a named property ('partial Layer Name {{ get; }}'), whose name the saved weights and skip connections use");

    public static readonly DiagnosticDescriptor SeveralLayerAttributes = Error("CN0034",
        "Property has more than one layer attribute",
        "Property '{0}' has the layer attributes {1}; each layer is one property with one layer attribute, so declare one property per layer");

    public static readonly DiagnosticDescriptor GeneratedMemberClash = Error("CN0035",
        "Name of a generated member",
        "{0} '{1}' has the name of a {3} the generator adds to network '{2}'; rename it (the generated members are listed in docs/diagnostics.md#cn0035)");

    public static readonly DiagnosticDescriptor FileLocalNetwork = Error("CN0036",
        "Network type cannot be file-local",
        "'{0}' cannot be a network because {1}: the generator adds the network's code in a file of its own, which cannot see a file-local type; remove 'file'");

    public static readonly DiagnosticDescriptor ConstructorClash = Error("CN0037",
        "Network type declares a constructor the generator needs",
        "Network '{0}' declares {1}, but {2}");

    public static readonly DiagnosticDescriptor UndefinedNetworkSetting = Error("CN0038",
        "Network setting is not a defined value",
        "Network '{0}' has {1} = {2}, which is not a {3} value; use one of {4}");

    public static readonly DiagnosticDescriptor UserImplementedLayer = Warning("CN0039",
        "Layer property is already implemented",
        "Layer property '{0}' already has an implementation part, so the generator does not implement it and it will not return the layer; remove the implementation ('partial Layer {0} {{ get; }}' alone is enough)");

    public static readonly DiagnosticDescriptor NetworkTooLarge = Error("CN0040",
        "Network is too large",
        "Network '{0}': {1} = {2} does not fit in an array (at most 2,147,483,591 floats); make the layers smaller");

    public static readonly DiagnosticDescriptor LayerKeywordName = Error("CN0041",
        "Layer name is a C# keyword",
        "Layer '@{0}' is named with the C# keyword '{0}', which the generated code cannot declare yet; rename the layer");

    // CN0050–CN0060: layer settings, checked by the layer families (CN0017 "invalid layer setting" was split into these).

    public static readonly DiagnosticDescriptor UndefinedLayerSetting = Error("CN0050",
        "Layer setting is not a defined value",
        "Layer '{0}' has {1} = {2}, which is not a value of {3}; use one of its named members");

    public static readonly DiagnosticDescriptor InvalidInputShape = Error("CN0051",
        "Input shape of unsupported rank",
        "Layer '{0}' has {1} = {2}; {3}");

    public static readonly DiagnosticDescriptor TooFewJoinedInputs = Error("CN0052",
        "Join of fewer than two layers",
        "Layer '{0}' has {1} = {2}; {3}");

    public static readonly DiagnosticDescriptor InvalidDropoutRate = Error("CN0053",
        "Dropout rate out of range",
        "Layer '{0}' has {1} = {2}; {3}");

    public static readonly DiagnosticDescriptor InvalidNormalizationSetting = Error("CN0054",
        "Invalid normalisation setting",
        "Layer '{0}' has {1} = {2}; {3}");

    public static readonly DiagnosticDescriptor UnsupportedActivation = Error("CN0055",
        "Activation not supported on this layer",
        "Layer '{0}' has {1} = {2}; {3}");

    public static readonly DiagnosticDescriptor InvalidMaxoutPieces = Error("CN0056",
        "Maxout with fewer than two pieces",
        "Layer '{0}' has {1} = {2}; {3}");

    public static readonly DiagnosticDescriptor InvalidPadding = Error("CN0057",
        "Invalid padding",
        "Layer '{0}' has {1} = {2}; {3}");

    public static readonly DiagnosticDescriptor InvalidGroups = Error("CN0058",
        "Groups do not divide the channels",
        "Layer '{0}' has {1} = {2}; {3}");

    public static readonly DiagnosticDescriptor InvalidLayerPenalty = Error("CN0059",
        "Invalid layer penalty",
        "Layer '{0}' has {1} = {2}; {3}");

    public static readonly DiagnosticDescriptor InvalidInitialSlope = Error("CN0060",
        "Invalid initial slope",
        "Layer '{0}' has {1} = {2}; {3}");

    public static readonly DiagnosticDescriptor InvalidBiasInitialValue = Error("CN0061",
        "Bias initial value is not finite",
        "Layer '{0}' has {1} = {2}; {3}");

    public static readonly DiagnosticDescriptor TiedShapeMismatch = Error("CN0062",
        "Tied layer does not transpose its partner",
        "Layer '{0}' is tied to '{1}', which maps {2} → {3}, so it must map {3} → {2}; it maps {4} → {5}");

    public static readonly DiagnosticDescriptor RecurrentNeedsSequence = Error("CN0063",
        "Recurrent layer on an input that is not a sequence",
        "Layer '{0}' ({1}) reads '{2}', whose output {3} is not a sequence; a recurrent layer reads a [SequenceInput(length, features)] or a recurrent layer with ReturnSequences = true");

    public static readonly DiagnosticDescriptor LongSimpleRnn = Warning("CN0064",
        "SimpleRnn over a long sequence",
        "Layer '{0}' is a SimpleRnn over {1} steps: its gradient reaches the first steps through a product of {1} Jacobians and vanishes (or explodes) on the way, so it cannot learn what lies that far back; an Lstm or a Gru keeps the gradient alive");

    public static readonly DiagnosticDescriptor SequenceNotSupported = Error("CN0065",
        "Layer cannot read a sequence",
        "Layer '{0}' ({1}) reads the sequence '{2}' {3}, but a {1} layer does not run per step; Dense, Dropout, the recurrent layers, Add and Flatten read sequences");

    public static readonly DiagnosticDescriptor InvalidRecurrentSetting = Error("CN0066",
        "Invalid recurrent layer setting",
        "Layer '{0}' has {1} = {2}; {3}");

    public static readonly DiagnosticDescriptor EmbeddingNeedsTokens = Error("CN0067",
        "Embedding on an input that is not token ids",
        "Layer '{0}' (Embedding) reads '{1}', whose output {2} is not token ids; an Embedding reads a [TokenInput(length)] of whole-number ids");

    public static readonly DiagnosticDescriptor TokensNeedEmbedding = Error("CN0068",
        "Token ids read by a layer other than an Embedding",
        "Layer '{0}' ({1}) reads the token ids of '{2}': ids are indices, not values; read them with an [Embedding(vocabulary, dimensions)] first");

    public static readonly DiagnosticDescriptor InvalidLocalNormalizationSetting = Error("CN0069",
        "Invalid local normalisation setting",
        "Layer '{0}' has {1} = {2}; {3}");

    public static readonly DiagnosticDescriptor LocalNormalizationNeedsMaps = Error("CN0070",
        "Local normalisation on an input that is not feature maps",
        "Layer '{0}' ({1}) reads '{2}', whose output {3} is not feature maps; {1} normalises across the channels of [channels, height, width] or [channels, length] maps");

    public static readonly DiagnosticDescriptor InvalidNoiseSetting = Error("CN0071",
        "Invalid noise setting",
        "Layer '{0}' has {1} = {2}; {3}");

    public static readonly DiagnosticDescriptor InvalidSamplingSetting = Error("CN0072",
        "Invalid Reparameterize layer",
        "Layer '{0}' has {1} = {2}; {3}");

    public static readonly DiagnosticDescriptor UnusedStochasticEstimator = Warning("CN0081",
        "Estimator has no effect",
        "Layer '{0}' sets Estimator, but its {1} units are differentiable and learn through f′ exactly; the straight-through estimators are for Heaviside and Sign units");

    public static readonly DiagnosticDescriptor StochasticNeuronAfterActivation = Warning("CN0082",
        "Stochastic neuron after an activation",
        "Layer '{0}' adds its noise to the outputs of '{1}', which already applies {2}; declare '{1}' linear so that the noise is added to the pre-activation wᵀx + b");
    public static readonly DiagnosticDescriptor NonPositiveNeurons = Error("CN0073",
        "Hopfield network needs a positive number of neurons",
        "Hopfield network '{0}' has {1}; set Neurons to the number of neurons, a positive constant, e.g. [HopfieldNetwork(Neurons = 100)]");

    public static readonly DiagnosticDescriptor TooManyNeurons = Error("CN0074",
        "Hopfield network is too large",
        "Hopfield network '{0}' has Neurons = {1}, but at most {2} are supported: its Hebbian sums and weights, two {1}×{1} float matrices, would take {3}, and its local fields stay exact only up to 2^24 / (N - 1) patterns");

    public static readonly DiagnosticDescriptor UnsupportedHopfieldType = Error("CN0075",
        "Hopfield network type cannot hold the generated code",
        "'{0}' cannot be a Hopfield network: {1}");

    public static readonly DiagnosticDescriptor HopfieldAndNetwork = Error("CN0076",
        "Class is both a Hopfield network and a layered network",
        "'{0}' has both [HopfieldNetwork] and [Network]; a class is one kind of network, so declare the Hopfield memory and the layered network as two classes");
    public static readonly DiagnosticDescriptor UnpoolWindowMismatch = Error("CN0077",
        "MaxUnpool window differs from its pooling's",
        "Layer '{0}' has {1}, but '{2}' pools {3}; MaxUnpool places values with that pooling's switches, so its window is the pooling's: {4}");

    public static readonly DiagnosticDescriptor UnpoolOverlappingWindows = Warning("CN0078",
        "MaxUnpool of overlapping windows",
        "Layer '{0}' unpools with the switches of '{1}', whose {2} overlap (stride {3}): where two windows chose the same position Compiled.Nets adds their values, while PyTorch's MaxUnpool keeps one of them, so the two can differ; pool with Stride = {4} (or more) for windows that do not overlap, as SegNet's 2×2 windows with stride 2");

    public static readonly DiagnosticDescriptor InternalError = Error("CN9999",
        "Internal generator error",
        "The Compiled.Nets generator failed on '{0}': {1}; please report this with the declaration");
}
