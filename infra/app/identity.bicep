// The one identity the function app runs as. It reaches Storage, Application Insights and
// Communication Services with Entra tokens; no account key or connection secret exists anywhere.

param name string
param location string
param tags object

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: name
  location: location
  tags: tags
}

output id string = identity.id
output name string = identity.name
output clientId string = identity.properties.clientId
output principalId string = identity.properties.principalId
