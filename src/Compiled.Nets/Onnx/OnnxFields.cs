namespace Compiled.Nets.Onnx;

/// <summary>
/// The field numbers of onnx.proto (ONNX 1.12, IR version 8) that the exporter writes, by message, and the enum values
/// it uses. Protocol buffers identify fields by number only, so these are the whole contract with ONNX Runtime.
/// </summary>
internal static class OnnxFields
{
    public static class Model
    {
        public const int IrVersion = 1, ProducerName = 2, ProducerVersion = 3, Graph = 7, OpsetImport = 8;
    }

    public static class OperatorSet
    {
        public const int Domain = 1, Version = 2;
    }

    public static class Graph
    {
        public const int Node = 1, Name = 2, Initializer = 5, DocString = 10, Input = 11, Output = 12;
    }

    public static class Node
    {
        public const int Input = 1, Output = 2, Name = 3, OpType = 4, Attribute = 5;
    }

    public static class Attribute
    {
        public const int Name = 1, Float = 2, Int = 3, String = 4, Floats = 7, Ints = 8, Strings = 9, Type = 20;
    }

    /// <summary>AttributeProto.AttributeType.</summary>
    public static class AttributeType
    {
        public const int Float = 1, Int = 2, String = 3, Floats = 6, Ints = 7, Strings = 8;
    }

    public static class Tensor
    {
        public const int Dims = 1, DataType = 2, Name = 8, RawData = 9;
    }

    /// <summary>TensorProto.DataType.</summary>
    public static class DataType
    {
        public const int Float = 1, Int64 = 7;
    }

    public static class ValueInfo
    {
        public const int Name = 1, Type = 2;
    }

    /// <summary>TypeProto: its tensor_type case.</summary>
    public static class Type
    {
        public const int TensorType = 1;
    }

    /// <summary>TypeProto.Tensor.</summary>
    public static class TensorType
    {
        public const int ElementType = 1, Shape = 2;
    }

    /// <summary>TensorShapeProto and its Dimension.</summary>
    public static class Shape
    {
        public const int Dim = 1, DimValue = 1, DimParam = 2;
    }
}
