// Email delivery reports (bounces, suppressions, delivered) from Communication Services to the
// app: an Event Grid system topic on the Communication Services resource and a webhook
// subscription to POST /api/inbound/eventgrid, carrying the API key in X-Api-Key.
//
// Creating the webhook subscription makes Event Grid call the endpoint for its validation
// handshake at once, and the deployment fails unless the app answers. The app's code is not
// there on the first provision (azd deploys code after provisioning), so the subscription is
// created only when deploySubscription is true; azure.yaml's `up` workflow sets it after the
// first deploy and provisions again. See the README, "Deploy to Azure".

param topicName string
param tags object

@description('Name of the Communication Services resource whose events are wanted.')
param communicationServiceName string

@secure()
@description('The app\'s Event Grid endpoint, https://<app host>/api/inbound/eventgrid. Secure because Event Grid treats webhook URLs as secrets (they may carry a key in the query).')
param webhookUrl string

@description('Create the webhook subscription. Only once the app is deployed and answers the validation handshake.')
param deploySubscription bool

@secure()
@description('Sent as the X-Api-Key header with each delivery, as a secret delivery attribute.')
param apiKey string

resource communication 'Microsoft.Communication/communicationServices@2025-09-01' existing = {
  name: communicationServiceName
}

resource topic 'Microsoft.EventGrid/systemTopics@2025-02-15' = {
  name: topicName
  // Communication Services is a global resource, so is its system topic.
  location: 'global'
  tags: tags
  properties: {
    source: communication.id
    topicType: 'Microsoft.Communication.CommunicationServices'
  }
}

resource deliveryReports 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2025-02-15' = if (deploySubscription) {
  parent: topic
  name: 'sequences-email-delivery-reports'
  properties: {
    eventDeliverySchema: 'EventGridSchema'
    filter: {
      includedEventTypes: [
        'Microsoft.Communication.EmailDeliveryReportReceived'
      ]
    }
    destination: {
      endpointType: 'WebHook'
      properties: {
        endpointUrl: webhookUrl
        deliveryAttributeMappings: [
          {
            name: 'X-Api-Key'
            type: 'Static'
            properties: {
              value: apiKey
              isSecret: true
            }
          }
        ]
      }
    }
    retryPolicy: {
      maxDeliveryAttempts: 30
      eventTimeToLiveInMinutes: 1440
    }
  }
}

output topicName string = topic.name
output subscriptionCreated bool = deploySubscription
