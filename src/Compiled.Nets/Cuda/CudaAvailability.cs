using System;
using System.Text;

namespace Compiled.Nets.Cuda;

/// <summary>What the probe for CUDA found: a device and its compute capability, or why there is none.</summary>
/// <param name="Available">Whether the driver, NVRTC and a device were found.</param>
/// <param name="Description">The device, its architecture and NVRTC's version, or why CUDA is unavailable.</param>
/// <param name="DeviceName">The device's name (empty when unavailable).</param>
/// <param name="ComputeCapabilityMajor">The compute capability's major number.</param>
/// <param name="ComputeCapabilityMinor">The compute capability's minor number.</param>
/// <param name="NvrtcVersion">NVRTC's version, "major.minor".</param>
public sealed record CudaStatus(bool Available, string Description, string DeviceName, int ComputeCapabilityMajor, int ComputeCapabilityMinor, string NvrtcVersion)
{
    /// <summary>The NVRTC architecture name of the device, <c>sm_</c> followed by the compute capability (<c>sm_90</c>).</summary>
    public string Architecture => $"sm_{ComputeCapabilityMajor}{ComputeCapabilityMinor}";
}

/// <summary>Probes once per process for the CUDA driver, NVRTC and a device.</summary>
public static class CudaAvailability
{
    private static readonly Lazy<CudaStatus> Status = new(Probe);

    /// <summary>The result of the probe (run on first use).</summary>
    public static CudaStatus Current => CudaBackends.TestStatus ?? Status.Value;

    private static unsafe CudaStatus Probe()
    {
        NativeLibraries.EnsureResolver();
        if (NativeLibraries.TryLoadAny(NativeLibraries.DriverNames, out _) == IntPtr.Zero)
            return Unavailable($"{NativeLibraries.DriverNames[0]} not found (no NVIDIA driver)");
        if (NativeLibraries.TryLoadAny(NativeLibraries.NvrtcNames, out _) == IntPtr.Zero)
            return Unavailable($"{string.Join(" / ", NativeLibraries.NvrtcNames)} not found (NVRTC comes with the CUDA toolkit, version 12 or later)");
        try
        {
            int result = CudaDriver.cuInit(0);
            if (result != 0) return Unavailable($"cuInit failed ({ErrorName(result)})");
            CudaDriver.Check(CudaDriver.cuDeviceGetCount(out int count), "cuDeviceGetCount");
            if (count == 0) return Unavailable("the driver reports no CUDA device");
            CudaDriver.Check(CudaDriver.cuDeviceGet(out int device, 0), "cuDeviceGet");
            CudaDriver.Check(CudaDriver.cuDeviceGetAttribute(out int major, CudaDriver.ComputeCapabilityMajor, device), "cuDeviceGetAttribute");
            CudaDriver.Check(CudaDriver.cuDeviceGetAttribute(out int minor, CudaDriver.ComputeCapabilityMinor, device), "cuDeviceGetAttribute");
            byte* name = stackalloc byte[256];
            CudaDriver.Check(CudaDriver.cuDeviceGetName(name, 256, device), "cuDeviceGetName");
            string deviceName = Encoding.UTF8.GetString(name, new ReadOnlySpan<byte>(name, 256).IndexOf((byte)0) is int n and >= 0 ? n : 256);
            Nvrtc.Check(Nvrtc.nvrtcVersion(out int nvrtcMajor, out int nvrtcMinor), "nvrtcVersion");
            return new CudaStatus(true, $"{deviceName} (sm_{major}{minor}), NVRTC {nvrtcMajor}.{nvrtcMinor}", deviceName, major, minor, $"{nvrtcMajor}.{nvrtcMinor}");
        }
        catch (Exception e) when (e is CudaException or DllNotFoundException or EntryPointNotFoundException)
        {
            return Unavailable(e.Message);
        }
    }

    private static string ErrorName(int result) =>
        CudaDriver.cuGetErrorName(result, out IntPtr text) == 0 && text != IntPtr.Zero
            ? System.Runtime.InteropServices.Marshal.PtrToStringUTF8(text) ?? result.ToString()
            : result.ToString();

    private static CudaStatus Unavailable(string reason) => new(false, reason, "", 0, 0, "");
}

/// <summary>Turns a requested <see cref="Device"/> into the one used, with the reason (Device.Auto says why it chose).</summary>
public static class DeviceSelection
{
    /// <summary>The device that <paramref name="requested"/> resolves to on this machine, and why: <see cref="Device.Cpu"/> is the CPU, <see cref="Device.Auto"/> CUDA when it is available and the CPU otherwise, <see cref="Device.Cuda"/> CUDA or a <see cref="CudaUnavailableException"/>.</summary>
    public static (Device Device, string Reason) Resolve(Device requested)
    {
        switch (requested)
        {
            case Device.Cpu:
                return (Device.Cpu, "CPU: requested");
            case Device.Cuda:
                var status = CudaAvailability.Current;
                if (!status.Available) throw new CudaUnavailableException(status.Description);
                return (Device.Cuda, "CUDA: " + status.Description);
            case Device.Auto:
                status = CudaAvailability.Current;
                return status.Available ? (Device.Cuda, "CUDA: " + status.Description) : (Device.Cpu, "CPU: " + status.Description);
            default:
                throw new ArgumentOutOfRangeException(nameof(requested), requested, "unknown device");
        }
    }
}
