using System;
using Compiled.Nets;

namespace Compiled.Nets.Samples.Xor;

/// <summary>One Heaviside unit trained with the perceptron rule: learns AND and OR, never XOR.</summary>
[Network(Training = TrainingRule.Perceptron, LearningRate = 0.5f, Seed = 1)]
public partial class Perceptron
{
    [Input(2)] public partial Layer X { get; }
    [Dense(1, Activation.Heaviside)] public partial Layer Y { get; }
}

/// <summary>The classic 2-4-1 network: tanh hidden units, a logistic output, binary cross-entropy.</summary>
[Network(Loss = Loss.BinaryCrossEntropy, LearningRate = 0.5f, Seed = 3)]
public partial class XorNet
{
    [Input(2)] public partial Layer X { get; }
    [Dense(4, Activation.Tanh)] public partial Layer Hidden { get; }
    [Dense(1, Activation.Logistic)] public partial Layer Y { get; }
}

public static class Program
{
    private static readonly float[] Inputs = { 0, 0, 0, 1, 1, 0, 1, 1 };

    public static int Main(string[] args)
    {
        if (Compiled.Nets.Cuda.KernelDump.TryDump(args, new Perceptron(), new XorNet())) return 0;
        Console.WriteLine("Perceptron rule (one Heaviside unit)");
        foreach (var (name, targets) in new[] { ("AND", new float[] { 0, 0, 0, 1 }), ("OR", new float[] { 0, 1, 1, 1 }), ("XOR", new float[] { 0, 1, 1, 0 }) })
        {
            var perceptron = new Perceptron();
            var result = perceptron.TrainPerceptron(Inputs, targets, maxEpochs: 100);
            Console.WriteLine($"  {name}: {result}");
            PrintTruthTable(perceptron, targets);
        }

        var net = new XorNet();
        Console.WriteLine();
        Console.WriteLine(net.Summary());
        float[] xorTargets = { 0, 1, 1, 0 };
        float loss = 0;
        for (int epoch = 1; epoch <= 2000; epoch++)
        {
            loss = net.TrainStep(Inputs, xorTargets, batchSize: 4);
            if (epoch % 500 == 0) Console.WriteLine($"  epoch {epoch,4}: loss {loss:F5}");
        }
        Console.WriteLine("XOR with a 2-4-1 network trained by gradient descent");
        int correct = PrintTruthTable(net, xorTargets);
        Console.WriteLine($"  accuracy {correct}/4");
        return correct == 4 ? 0 : 1;
    }

    private static int PrintTruthTable(INetwork net, float[] targets)
    {
        Span<float> output = stackalloc float[1];
        int correct = 0;
        for (int s = 0; s < 4; s++)
        {
            net.Forward(Inputs.AsSpan(s * 2, 2), output);
            int predicted = output[0] >= 0.5f ? 1 : 0;
            if (predicted == (int)targets[s]) correct++;
            Console.WriteLine($"    {Inputs[2 * s]} {Inputs[2 * s + 1]} → {predicted}  (output {output[0]:F3}, target {targets[s]})");
        }
        return correct;
    }
}
