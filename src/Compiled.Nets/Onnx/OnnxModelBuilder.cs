using System;
using System.Collections.Generic;
using System.IO;
using System.Security.Cryptography;

namespace Compiled.Nets.Onnx;

/// <summary>
/// Builds an ONNX model (IR version 8, the default opset at version 17) and writes it as the protocol buffer ONNX Runtime
/// and other tools read: graph inputs and outputs with their shapes, float and int64 initializers, and nodes with their
/// attributes. Generated networks' <c>ExportOnnx</c> calls it with shapes fixed at compile time and the live weights;
/// it takes no dependency beyond the base library.
/// </summary>
/// <remarks>
/// Initializers copy their values when they are added, so the model is a snapshot of the weights at that moment. Every
/// node input must be a graph input, an initializer or an earlier node's output, so a model is always topologically
/// sorted, as ONNX requires; a name that breaks this is an <see cref="InvalidOperationException"/> naming it.
/// </remarks>
public sealed class OnnxModelBuilder
{
    /// <summary>In a shape, the batch dimension: written as the symbolic dimension "N".</summary>
    public const long Batch = -1;

    /// <summary>The opset of the default domain the model imports.</summary>
    public const long Opset = 17;

    /// <summary>The ONNX IR version written (ONNX 1.13 onwards; ONNX Runtime reads it).</summary>
    public const long IrVersion = 8;

    private readonly string _graphName;
    private readonly string _producerVersion;
    private readonly string _docString;
    private readonly List<ProtoWriter> _inputs = new(), _outputs = new(), _initializers = new();
    private readonly List<OnnxNode> _nodes = new();
    private readonly HashSet<string> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _outputNames = new(StringComparer.Ordinal);

    /// <summary>Starts a model whose graph is called <paramref name="graphName"/>, written by Compiled.Nets <paramref name="producerVersion"/>.</summary>
    public OnnxModelBuilder(string graphName, string producerVersion, string docString = "")
    {
        ArgumentException.ThrowIfNullOrEmpty(graphName);
        ArgumentNullException.ThrowIfNull(producerVersion);
        ArgumentNullException.ThrowIfNull(docString);
        _graphName = graphName;
        _producerVersion = producerVersion;
        _docString = docString;
    }

    /// <summary>The number of nodes added so far.</summary>
    public int NodeCount => _nodes.Count;

    /// <summary>A float graph input; <see cref="Batch"/> in <paramref name="shape"/> is the symbolic batch dimension.</summary>
    public void Input(string name, params long[] shape)
    {
        Define(name);
        _inputs.Add(ValueInfo(name, shape));
    }

    /// <summary>A float graph output: a value some node writes (checked by <see cref="ToArray"/>).</summary>
    public void Output(string name, params long[] shape)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (!_outputNames.Add(name)) throw new InvalidOperationException($"The ONNX graph already has an output '{name}'.");
        _outputs.Add(ValueInfo(name, shape));
    }

    /// <summary>A float initializer of <paramref name="shape"/> ([] for a scalar), copied from <paramref name="values"/>.</summary>
    public void Initializer(string name, long[] shape, ReadOnlySpan<float> values)
    {
        long count = Count(name, shape, values.Length);
        var tensor = TensorHeader(name, shape, OnnxFields.DataType.Float);
        tensor.Floats(OnnxFields.Tensor.RawData, values.Slice(0, (int)count));
        _initializers.Add(tensor);
    }

    /// <summary>
    /// A float initializer whose values are <paramref name="values"/> cut into blocks of <paramref name="block"/> floats and
    /// laid out in <paramref name="blockOrder"/> (block k of the result is block blockOrder[k] of the source): a recurrent
    /// layer's gates in ONNX's order rather than PyTorch's.
    /// </summary>
    public void Initializer(string name, long[] shape, ReadOnlySpan<float> values, int block, ReadOnlySpan<int> blockOrder)
    {
        long count = Count(name, shape, values.Length);
        if (block <= 0 || (long)block * blockOrder.Length != count)
            throw new ArgumentException($"Initializer '{name}': {blockOrder.Length} blocks of {block} floats do not make its {count} values.", nameof(blockOrder));
        var reordered = new float[count];
        for (int k = 0; k < blockOrder.Length; k++)
        {
            int source = blockOrder[k];
            if (source < 0 || source >= blockOrder.Length)
                throw new ArgumentOutOfRangeException(nameof(blockOrder), source, $"Initializer '{name}': block {source} does not exist.");
            values.Slice(source * block, block).CopyTo(reordered.AsSpan(k * block, block));
        }
        var tensor = TensorHeader(name, shape, OnnxFields.DataType.Float);
        tensor.Floats(OnnxFields.Tensor.RawData, reordered);
        _initializers.Add(tensor);
    }

    /// <summary>An int64 initializer of <paramref name="shape"/> ([] for a scalar): shapes, axes, indices.</summary>
    public void Int64Initializer(string name, long[] shape, params long[] values)
    {
        long count = Count(name, shape, values.Length);
        var tensor = TensorHeader(name, shape, OnnxFields.DataType.Int64);
        tensor.Int64s(OnnxFields.Tensor.RawData, values.AsSpan(0, (int)count));
        _initializers.Add(tensor);
    }

    /// <summary>
    /// A node of the default domain. Empty input names are ONNX's omitted optional inputs; empty output names, unused
    /// optional outputs. Attributes go on the returned node.
    /// </summary>
    public OnnxNode Node(string opType, string name, string[] inputs, string[] outputs)
    {
        ArgumentException.ThrowIfNullOrEmpty(opType);
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(outputs);
        foreach (string input in inputs)
        {
            if (input.Length > 0 && !_values.Contains(input))
                throw new InvalidOperationException($"ONNX node '{name}' ({opType}) reads '{input}', which no input, initializer or earlier node defines.");
        }
        foreach (string output in outputs)
            if (output.Length > 0) Define(output);
        var node = new OnnxNode(opType, name, inputs, outputs);
        _nodes.Add(node);
        return node;
    }

    /// <summary>The model as ONNX protocol-buffer bytes.</summary>
    public byte[] ToArray()
    {
        foreach (string output in _outputNames)
            if (!_values.Contains(output)) throw new InvalidOperationException($"The ONNX graph's output '{output}' is not written by any node.");
        var graph = new ProtoWriter();
        foreach (var node in _nodes) graph.Message(OnnxFields.Graph.Node, node.Write());
        graph.String(OnnxFields.Graph.Name, _graphName);
        foreach (var tensor in _initializers) graph.Message(OnnxFields.Graph.Initializer, tensor);
        if (_docString.Length > 0) graph.String(OnnxFields.Graph.DocString, _docString);
        foreach (var input in _inputs) graph.Message(OnnxFields.Graph.Input, input);
        foreach (var output in _outputs) graph.Message(OnnxFields.Graph.Output, output);

        var opset = new ProtoWriter();
        opset.String(OnnxFields.OperatorSet.Domain, ""); // the default domain, ai.onnx
        opset.Int64(OnnxFields.OperatorSet.Version, Opset);

        var model = new ProtoWriter();
        model.Int64(OnnxFields.Model.IrVersion, IrVersion);
        model.String(OnnxFields.Model.ProducerName, "Compiled.Nets");
        model.String(OnnxFields.Model.ProducerVersion, _producerVersion);
        model.Message(OnnxFields.Model.Graph, graph);
        model.Message(OnnxFields.Model.OpsetImport, opset);
        return model.Written.ToArray();
    }

    /// <summary>
    /// Checks a path the model is about to be written to and returns it in full: not empty, a file name in a directory
    /// that exists, not a directory itself. Throws before anything is written.
    /// </summary>
    public static string CheckPath(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        string full;
        try { full = Path.GetFullPath(path); }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new ArgumentException($"'{path}' is not a valid file path: {e.Message}", nameof(path), e);
        }
        if (Directory.Exists(full)) throw new ArgumentException($"'{path}' is a directory; ExportOnnx needs a file name such as model.onnx.", nameof(path));
        if (Path.GetFileName(full).Length == 0) throw new ArgumentException($"'{path}' names no file.", nameof(path));
        string? directory = Path.GetDirectoryName(full);
        if (directory is null || !Directory.Exists(directory))
            throw new DirectoryNotFoundException($"Cannot write the ONNX model '{path}': the directory '{directory}' does not exist.");
        return full;
    }

    /// <summary>
    /// Writes the model to <paramref name="path"/> (checked by <see cref="CheckPath"/> first): to a temporary file in the same
    /// directory, flushed, then renamed over the path, so a failure never leaves a half-written model under the name.
    /// </summary>
    public void Save(string path)
    {
        string full = CheckPath(path);
        byte[] bytes = ToArray();
        string temporary = full + ".tmp-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(6)).ToLowerInvariant();
        try
        {
            using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                file.Write(bytes);
                file.Flush(flushToDisk: true);
            }
            File.Move(temporary, full, overwrite: true);
        }
        catch
        {
            try { File.Delete(temporary); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw;
        }
    }

    private void Define(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (!_values.Add(name)) throw new InvalidOperationException($"The ONNX graph already defines a value '{name}'.");
    }

    private long Count(string name, long[] shape, int available)
    {
        ArgumentNullException.ThrowIfNull(shape);
        long count = 1;
        foreach (long d in shape)
        {
            if (d < 0) throw new ArgumentException($"Initializer '{name}' has a negative dimension in [{string.Join(", ", shape)}].", nameof(shape));
            count = checked(count * d);
        }
        if (count != available)
            throw new ArgumentException($"Initializer '{name}' [{string.Join(", ", shape)}] needs {count} values, but {available} were given.", nameof(shape));
        Define(name);
        return count;
    }

    private static ProtoWriter TensorHeader(string name, long[] shape, int dataType)
    {
        var tensor = new ProtoWriter();
        foreach (long d in shape) tensor.Int64(OnnxFields.Tensor.Dims, d);
        tensor.Int64(OnnxFields.Tensor.DataType, dataType);
        tensor.String(OnnxFields.Tensor.Name, name);
        return tensor;
    }

    private static ProtoWriter ValueInfo(string name, long[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        var dims = new ProtoWriter();
        foreach (long d in shape)
        {
            var dim = new ProtoWriter();
            if (d == Batch) dim.String(OnnxFields.Shape.DimParam, "N");
            else if (d >= 0) dim.Int64(OnnxFields.Shape.DimValue, d);
            else throw new ArgumentException($"Value '{name}' has dimension {d} in [{string.Join(", ", shape)}]; use OnnxModelBuilder.Batch for the batch.", nameof(shape));
            dims.Message(OnnxFields.Shape.Dim, dim);
        }
        var tensorType = new ProtoWriter();
        tensorType.Int64(OnnxFields.TensorType.ElementType, OnnxFields.DataType.Float);
        tensorType.Message(OnnxFields.TensorType.Shape, dims);
        var type = new ProtoWriter();
        type.Message(OnnxFields.Type.TensorType, tensorType);
        var info = new ProtoWriter();
        info.String(OnnxFields.ValueInfo.Name, name);
        info.Message(OnnxFields.ValueInfo.Type, type);
        return info;
    }
}

/// <summary>One node of an <see cref="OnnxModelBuilder"/>'s graph; its attribute methods return it, so they chain.</summary>
public sealed class OnnxNode
{
    private readonly string _opType, _name;
    private readonly string[] _inputs, _outputs;
    private readonly List<ProtoWriter> _attributes = new();
    private readonly HashSet<string> _attributeNames = new(StringComparer.Ordinal);

    internal OnnxNode(string opType, string name, string[] inputs, string[] outputs)
    {
        _opType = opType;
        _name = name;
        _inputs = inputs;
        _outputs = outputs;
    }

    /// <summary>Adds the attribute <paramref name="name"/> with an integer value; returns this node.</summary>
    public OnnxNode Int(string name, long value)
    {
        var a = Attribute(name, OnnxFields.AttributeType.Int);
        a.Int64(OnnxFields.Attribute.Int, value);
        return this;
    }

    /// <summary>Adds the attribute <paramref name="name"/> with a list of integers value; returns this node.</summary>
    public OnnxNode Ints(string name, params long[] values)
    {
        var a = Attribute(name, OnnxFields.AttributeType.Ints);
        foreach (long v in values) a.Int64(OnnxFields.Attribute.Ints, v);
        return this;
    }

    /// <summary>Adds the attribute <paramref name="name"/> with a float value; returns this node.</summary>
    public OnnxNode Float(string name, float value)
    {
        var a = Attribute(name, OnnxFields.AttributeType.Float);
        a.Float(OnnxFields.Attribute.Float, value);
        return this;
    }

    /// <summary>Adds the attribute <paramref name="name"/> with a list of floats value; returns this node.</summary>
    public OnnxNode Floats(string name, params float[] values)
    {
        var a = Attribute(name, OnnxFields.AttributeType.Floats);
        foreach (float v in values) a.Float(OnnxFields.Attribute.Floats, v);
        return this;
    }

    /// <summary>Adds the attribute <paramref name="name"/> with a string value; returns this node.</summary>
    public OnnxNode String(string name, string value)
    {
        var a = Attribute(name, OnnxFields.AttributeType.String);
        a.String(OnnxFields.Attribute.String, value);
        return this;
    }

    /// <summary>Adds the attribute <paramref name="name"/> with a list of strings value; returns this node.</summary>
    public OnnxNode Strings(string name, params string[] values)
    {
        var a = Attribute(name, OnnxFields.AttributeType.Strings);
        foreach (string v in values) a.String(OnnxFields.Attribute.Strings, v);
        return this;
    }

    /// <summary>Starts an attribute: its name and its type (AttributeProto.type).</summary>
    private ProtoWriter Attribute(string name, int type)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (!_attributeNames.Add(name)) throw new InvalidOperationException($"ONNX node '{_name}' already has an attribute '{name}'.");
        var a = new ProtoWriter();
        a.String(OnnxFields.Attribute.Name, name);
        a.Int64(OnnxFields.Attribute.Type, type);
        _attributes.Add(a);
        return a;
    }

    internal ProtoWriter Write()
    {
        var node = new ProtoWriter();
        foreach (string input in _inputs) node.String(OnnxFields.Node.Input, input);
        foreach (string output in _outputs) node.String(OnnxFields.Node.Output, output);
        node.String(OnnxFields.Node.Name, _name);
        node.String(OnnxFields.Node.OpType, _opType);
        foreach (var a in _attributes) node.Message(OnnxFields.Node.Attribute, a);
        return node;
    }
}
