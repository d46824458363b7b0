using System;
using Compiled.Nets.IO;

// Usage: Compiled.Nets.SaveUnderKill <path> <floats> <first version>
// Saves, forever, a file of two tensors whose every value is the save's version number (first version, +1, …), and
// prints "saved N" after each Save returns. The test kills this process at a random moment and checks that the file
// at <path> is one whole version.
string path = args[0];
int floats = int.Parse(args[1]);
int version = int.Parse(args[2]);
var storage = new float[floats];
var tensors = new[]
{
    new NamedTensor("a", new[] { floats / 2 }, storage, 0),
    new NamedTensor("b", new[] { floats - floats / 2 }, storage, floats / 2),
};
Console.Out.Flush();
while (true)
{
    Array.Fill(storage, version);
    SafeTensors.Save(tensors, path);
    Console.WriteLine($"saved {version}");
    Console.Out.Flush();
    version++;
}
