namespace Arroyo.Storage.Cloud;
