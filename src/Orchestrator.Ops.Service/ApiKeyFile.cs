using Orchestrator.Ops.Core.IO;
using System.Security.Cryptography;
using Microsoft.AspNetCore.WebUtilities;
using Orchestrator.Ops.Core;

namespace Orchestrator.Ops.Service;

/// <summary>The service's API key: read from its file, or generated (32 random bytes, base64url) into a 0600 file on first start.</summary>
internal static class ApiKeyFile
{
    public static string LoadOrCreate(string path, out bool created)
    {
        created = false;
        if (File.Exists(path))
        {
            var key = File.ReadAllText(path).Trim();
            if (key.Length == 0)
            {
                throw new ServiceStartupException($"The API key file '{path}' is empty. Delete it to have a new key generated, or write a key into it.");
            }

            return key;
        }

        var generated = WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(32));
        AtomicFile.WriteAllText(path, generated, OwnerOnly.FileMode);
        created = true;
        return generated;
    }
}
