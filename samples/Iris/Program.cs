using System;
using System.IO;
using Compiled.Nets;
using Compiled.Nets.Data;

namespace Compiled.Nets.Samples.Iris;

/// <summary>4 measurements → 16 tanh units → 3 species probabilities.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy, LearningRate = 0.1f, Seed = 11)]
public partial class IrisNet
{
    [Input(4)] public partial Layer Measurements { get; }
    [Dense(16, Activation.Tanh)] public partial Layer Hidden { get; }
    [Dense(3, Activation.Softmax)] public partial Layer Species { get; }
}

public static class Program
{
    public static int Main(string[] args)
    {
        if (Compiled.Nets.Cuda.KernelDump.TryDump(args, new IrisNet()))
            return 0;
        string path = args.Length > 0 ? args[0] : Path.Combine(AppContext.BaseDirectory, "data", "iris.csv");
        var data = ClassificationData.LoadCsv(path);
        var (train, test) = data.Split(testFraction: 0.3, seed: 42);
        // Standardise with the training set's statistics only, so the test set stays unseen.
        var (mean, std) = train.FeatureStatistics();
        train = train.Standardize(mean, std);
        test = test.Standardize(mean, std);
        Console.WriteLine($"Iris: {train.Count} training and {test.Count} held-out samples, {data.FeatureCount} features, {data.ClassCount} classes");

        var net = new IrisNet();
        Console.WriteLine(net.Summary());

        const int batch = 15, epochs = 200;
        float[] targets = train.OneHotTargets();
        var order = new int[train.Count];
        for (int i = 0; i < order.Length; i++) order[i] = i;
        var random = new SeededRandom(1);
        var inputs = new float[batch * IrisNet.InputSize];
        var batchTargets = new float[batch * IrisNet.OutputSize];
        for (int epoch = 1; epoch <= epochs; epoch++)
        {
            random.Shuffle<int>(order);
            double loss = 0;
            int steps = 0;
            for (int start = 0; start + batch <= order.Length; start += batch, steps++)
            {
                for (int b = 0; b < batch; b++)
                {
                    train.Features.AsSpan(order[start + b] * 4, 4).CopyTo(inputs.AsSpan(b * 4));
                    targets.AsSpan(order[start + b] * 3, 3).CopyTo(batchTargets.AsSpan(b * 3));
                }
                loss += net.TrainStep(inputs, batchTargets, batch);
            }
            if (epoch % 40 == 0)
                Console.WriteLine($"epoch {epoch,3}: loss {loss / steps:F4}, train accuracy {Evaluation.Accuracy(net, train.Features, train.Labels):P1}");
        }
        double accuracy = Evaluation.Accuracy(net, test.Features, test.Labels);
        Console.WriteLine($"held-out accuracy: {accuracy:P1}");
        return accuracy >= 0.9 ? 0 : 1;
    }
}
