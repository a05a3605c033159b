namespace Arroyo.Storage;
