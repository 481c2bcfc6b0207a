namespace Linux.Iommu.Nvme;

/// <summary>How a queue pair learns that its commands completed; chosen per queue pair when the controller opens.</summary>
public enum NvmeCompletionMode
{
    /// <summary>Spin on the completion queue's phase tag: the lowest latency, a CPU busy for as long as anything waits.</summary>
    Polling,

    /// <summary>Sleep on the queue's MSI-X vector (poll(2) on its eventfd in the waiting thread) until the controller signals a
    /// completion: the CPU is given back, each wake-up costs an interrupt and a thread switch.</summary>
    Interrupt,

    /// <summary>Spin for <see cref="NvmeController.HybridPollTime"/>, then sleep on the vector as <see cref="Interrupt"/>
    /// does: completions that come quickly are found without a wake-up, slow ones do not hold the CPU.</summary>
    Hybrid,
}
