using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;

namespace Compiled.Nets.Generators.Pipeline;

/// <summary>
/// One layer attribute's arguments as a family reads them. The parser has already rejected half-typed arguments
/// (error kinds, a null named value), so every value here is a constant of the parameter's type.
/// </summary>
internal sealed class LayerAttribute
{
    private readonly ImmutableArray<TypedConstant> _arguments;

    public LayerAttribute(string attributeName, ImmutableArray<TypedConstant> arguments, IReadOnlyList<KeyValuePair<string, object>> named)
    {
        AttributeName = attributeName;
        _arguments = arguments;
        Named = named;
    }

    /// <summary>The attribute class's name, e.g. "Conv2DAttribute".</summary>
    public string AttributeName { get; }

    public ImmutableArray<TypedConstant> Arguments => _arguments;

    /// <summary>Named arguments with their values (the common <c>Input</c> excluded: the parser reads it).</summary>
    public IReadOnlyList<KeyValuePair<string, object>> Named { get; }

    /// <summary>Layers named by the attribute's constructor (Add, Concat), in order.</summary>
    public List<string> InputNames { get; } = new();

    public bool Has(int index) => _arguments.Length > index && _arguments[index].Value is not null;

    public int Int(int index) => Convert.ToInt32(_arguments[index].Value);

    public float Float(int index) => Convert.ToSingle(_arguments[index].Value);

    public static int Int(object value) => Convert.ToInt32(value);

    public static float Float(object value) => Convert.ToSingle(value);
}
