using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Compiled.Nets.Generators.Emit;
using Compiled.Nets.Generators.Model;
using Compiled.Nets.Generators.Pipeline;

namespace Compiled.Nets.Generators.Layers;

/// <summary>
/// Everything about one family of layers, in one place: the attributes it reads and their options, validation and
/// shape inference, parameter and state tensors with their PyTorch names, FLOPs, lowering to ops, and (through the
/// ops it defines) the code of those ops for every target. The pipeline stages only iterate
/// <see cref="LayerFamilies.All"/>; no stage outside a family looks at a layer's kind.
/// </summary>
internal abstract class LayerFamily
{
    /// <summary>The family's name: its folder under Layers/.</summary>
    public abstract string Name { get; }

    /// <summary>The attribute classes (in namespace Compiled.Nets) whose layers this family owns, e.g. "DenseAttribute".</summary>
    public abstract IReadOnlyList<string> AttributeNames { get; }

    // ---------------------------------------------------------------- parse

    /// <summary>
    /// The options of one attribute, or null when the attribute is half-typed (the compiler reports that; the network
    /// gets no code until it binds). A family may add the layers the attribute names as inputs to <see cref="LayerAttribute.InputNames"/>.
    /// </summary>
    public abstract LayerOptions? Parse(LayerAttribute attribute);

    // ---------------------------------------------------------------- graph and shapes

    /// <summary>The network's input layer (there is exactly one, declared first).</summary>
    public virtual bool IsInput => false;

    /// <summary>Layers that read a flat vector (Dense, Maxout) get an implicit Flatten after feature maps.</summary>
    public virtual bool NeedsFlatInput(LayerOptions options) => false;

    /// <summary>Whether the layer can read a sequence ([steps, features], <see cref="ShapedLayer.Steps"/>): Dense per step, Dropout, recurrent layers, Add, Flatten.</summary>
    public virtual bool ReadsSequences(LayerOptions options) => false;

    /// <summary>Whether the layer reads token ids ([TokenInput]): the Embedding only.</summary>
    public virtual bool ReadsTokens => false;

    /// <summary>Whether a layer of these options may be the network's output.</summary>
    public virtual bool CanBeOutput(LayerOptions options) => true;

    /// <summary>The fewest named inputs the layer joins (Add, Concat: 2); 0 for a layer that reads the one before it.</summary>
    public virtual int MinimumNamedInputs(LayerOptions options) => 0;

    /// <summary>Layers the layer reads after its first input (a recurrent layer's InitialState): they join its inputs.</summary>
    public virtual IEnumerable<string> ExtraInputs(LayerOptions options) => Enumerable.Empty<string>();

    /// <summary>Layers the layer depends on besides its inputs (MaxUnpool: the pooling whose switches it uses).</summary>
    public virtual IEnumerable<string> References(LayerOptions options) => Enumerable.Empty<string>();

    /// <summary>Whether the layers named by <see cref="References"/> lend activations (MaxUnpool's switches), not weights (a tied Dense).</summary>
    public virtual bool ReferencesActivations => true;

    /// <summary>Checks references that only the family understands, before shapes are inferred; false on an error.</summary>
    public virtual bool CheckReferences(NetworkSpec network, LayerSpec layer, ImmutableArray<DiagnosticInfo>.Builder diagnostics) => true;

    /// <summary>The layer's shape, counts and resolved options from its inputs' shapes; null (with a diagnostic) when it cannot be computed.</summary>
    public abstract ShapedLayer? Infer(ShapeContext context, LayerSpec layer, IReadOnlyList<ShapedLayer> inputs);

    /// <summary>Forward floating-point operations per sample (a multiply-add counts 2), as the Summary reports them.</summary>
    public virtual long Flops(ShapedLayer layer) => 0;

    // ---------------------------------------------------------------- tensors

    /// <summary>Saved tensors with PyTorch's names and shapes.</summary>
    public virtual IEnumerable<TensorPlan> Tensors(LayerPlan layer) => Enumerable.Empty<TensorPlan>();

    /// <summary>Whether the network's L1/L2 penalty applies to the layer's weights (biases only when asked for).</summary>
    public virtual bool PenalizesWeights(LayerPlan layer) => false;

    // ---------------------------------------------------------------- lowering

    /// <summary>The layer's output shares its input's buffer (Flatten): no op, no delta of its own.</summary>
    public virtual bool SharesInputBuffer(LayerOptions options) => false;

    /// <summary>Per-sample buffers beyond the output (masks, switches, internal products), allocated after every output.</summary>
    public virtual void AllocateBuffers(LoweringContext context, int layer) { }

    public virtual void LowerForward(LoweringContext context, int layer) { }

    /// <summary>The layer's backward ops; called last layer first for layers that reach the output and need a gradient.</summary>
    public virtual void LowerBackward(LoweringContext context, int layer) { }

    /// <summary>Terms the layer adds to the loss (a Reparameterize layer's KL divergence); their gradients are in its backward op.</summary>
    public virtual IEnumerable<LossTermPlan> LossTerms(LoweringContext context, int layer) => Enumerable.Empty<LossTermPlan>();

    // ---------------------------------------------------------------- emitted text

    /// <summary>The C# that initialises the layer's parameters and state in InitializeParameters (locals: random).</summary>
    public virtual void WriteInitialization(SourceWriter w, LayerPlan layer) { }

    /// <summary>A phrase for the docs and per-step comments: "dense 4 → 1, logistic".</summary>
    public abstract string Describe(LayerPlan layer);

    /// <summary>The layer in the one-line architecture of the class summary.</summary>
    public virtual string ShortDescription(LayerPlan layer) => Describe(layer);

    /// <summary>Whether the Summary's activation column shows the layer's activation.</summary>
    public virtual bool ShowsActivation(LayerPlan layer) => false;

    // ---------------------------------------------------------------- ONNX export (Layers/<Family>/<Family>.Onnx.cs)

    /// <summary>
    /// Why the layer has no ONNX form ("is stateful: …"), or null when <see cref="WriteOnnx"/> writes it. A family that has
    /// not written its ONNX part refuses, so a new family never exports something wrong.
    /// </summary>
    public virtual string? OnnxProblem(LayerPlan layer) => "has no ONNX form in this version of Compiled.Nets";

    /// <summary>Writes the layer's nodes and initializers into ExportOnnx, reading its inputs' values and defining (or passing on) its own.</summary>
    public virtual void WriteOnnx(OnnxContext onnx, int index) { }
}

/// <summary>A family's options parsed from one attribute: a sealed record of its own with <c>required init</c> members.</summary>
internal abstract record LayerOptions
{
    public abstract LayerFamily Family { get; }

    /// <summary>The attribute's layer kind ("Dense", "Conv2D"): the Summary's type column.</summary>
    public abstract string Kind { get; }
}

/// <summary>What a family inferred about a layer beyond its shape, kept for lowering and emission.</summary>
internal abstract record LayerDetail;
